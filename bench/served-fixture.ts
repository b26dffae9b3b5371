import { join, relative } from "node:path";
import { buildChain } from "../api/build-chain.js";
import { formatDiagnostics } from "../compiler/diagnostics.js";
import { childScript } from "./child-script.js";
import { benchTmpDir, repoRoot } from "./paths.js";
import { spawnListening } from "./processes.js";

/** Why a tschains side could not be measured, reported in place of its figures. */
export class NotAvailable extends Error {}

const builds = new Map<string, Promise<string>>();

/**
 * Builds a chain once per run into bench/.tmp/build/ and returns its chain folder. A failed build is
 * a `NotAvailable` carrying the diagnostics: the benchmark reports it instead of crashing the suite.
 */
export function buildFixture(entry: string): Promise<string> {
  const key = relative(repoRoot, entry);
  let build = builds.get(key);
  if (!build) {
    build = (async () => {
      const outDir = join(benchTmpDir, "build", key.replace(/[\\/]/g, "_").replace(/\.ts$/, ""));
      let result;
      try {
        result = await buildChain(entry, { outDir });
      } catch (error) {
        throw new NotAvailable(`chains build ${key} threw: ${(error as Error).message}`);
      }
      if (!result.ok) {
        throw new NotAvailable(`chains build ${key} failed:\n${formatDiagnostics(result.diagnostics, { cwd: repoRoot, color: false })}`);
      }
      return result.chainDir;
    })();
    builds.set(key, build);
  }
  return build;
}

/** A chain being served: its entrypoint's URL and the Chainlet processes (not the serving process). */
export interface ServedFixture {
  url: string;
  pids: number[];
  stop(): Promise<void>;
}

/**
 * Builds (once) and serves a chain with `serveChain` — one process per Chainlet on loopback — from a
 * separate host process (`serve-host`), as `chains serve` runs apart from its clients. `env` reaches
 * every Chainlet process.
 */
export async function serveFixture(entry: string, env: Record<string, string> = {}): Promise<ServedFixture> {
  const chainDir = await buildFixture(entry);
  let host;
  try {
    host = await spawnListening([await childScript("serve-host"), chainDir], { env, listeningType: "serving", timeoutMs: 40_000 });
  } catch (error) {
    throw new NotAvailable(`serving ${relative(repoRoot, entry)} failed: ${(error as Error).message}`);
  }
  const message = host.message as { pids?: number[] };
  return { url: host.url, pids: message.pids ?? [], stop: () => host.stop() };
}

/** Absolute path of a chain fixture: `fixtures/hello/chain.ts` or `bench/fixtures/fan-out/chain.ts`. */
export function fixturePath(path: string): string {
  return join(repoRoot, path);
}
