import { cpus, freemem, platform, release, totalmem } from "node:os";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { repoRoot } from "./paths.js";
import { dirname, join } from "node:path";

/** What the figures were measured on: ratios from different machines are not comparable. */
export interface MachineDescription {
  cpuModel: string;
  cores: number;
  memoryGb: number;
  freeMemoryGb: number;
  os: string;
  node: string;
  /** Load average when the run started: a busy machine explains a wide spread. */
  loadAverage: number[];
}

export function describeMachine(): MachineDescription {
  const cpu = cpus();
  return {
    cpuModel: cpu[0]?.model.trim() ?? "unknown",
    cores: cpu.length,
    memoryGb: round(totalmem() / 2 ** 30),
    freeMemoryGb: round(freemem() / 2 ** 30),
    os: `${platform()} ${release()}`,
    node: process.version,
    loadAverage: readLoadAverage(),
  };
}

function readLoadAverage(): number[] {
  try {
    return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).map(Number);
  } catch {
    return [];
  }
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/** The packages whose speed is measured or that measure it, with the versions actually installed. */
export const MEASURED_PACKAGES = ["tschains", "ajv", "autocannon", "esbuild", "fastify", "msgpackr", "ts-morph", "typescript", "undici"] as const;

export function packageVersions(): Record<string, string> {
  const require = createRequire(join(repoRoot, "package.json"));
  const versions: Record<string, string> = {};
  for (const name of MEASURED_PACKAGES) {
    try {
      versions[name] = name === "tschains" ? readManifest(join(repoRoot, "package.json")).version : installedVersion(require, name);
    } catch {
      versions[name] = "not installed";
    }
  }
  return versions;
}

interface Manifest {
  name?: string;
  version: string;
}

function readManifest(file: string): Manifest {
  return JSON.parse(readFileSync(file, "utf8")) as Manifest;
}

/** The version of an installed package, found from its entry file: not every package exports its package.json. */
function installedVersion(require: NodeJS.Require, name: string): string {
  for (let dir = dirname(require.resolve(name)); dirname(dir) !== dir; dir = dirname(dir)) {
    try {
      const manifest = readManifest(join(dir, "package.json"));
      if (manifest.name === name) return manifest.version;
    } catch {
      // No package.json at this level; keep walking up.
    }
  }
  throw new Error(`no package.json for ${name}`);
}
