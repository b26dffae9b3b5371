import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ChainIR, ChainletIR } from "../compiler/chain-ir.js";
import { parseNpmRequirement } from "./npm-requirements.js";
import { stableJson } from "./stable-json.js";

/** The runtime-only npm manifest of a Chainlet's build context, and its lockfile when one can be derived. */
export interface ContextPackage {
  packageJson: string;
  /** A `package-lock.json` cut from the user's lockfile, or undefined (no requirements, or not derivable). */
  packageLock: string | undefined;
}

interface LockEntry {
  version?: string;
  link?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  [key: string]: unknown;
}

interface Lockfile {
  lockfileVersion?: number;
  packages?: Record<string, LockEntry>;
}

/**
 * Emits the context's `package.json`: private, ES module, and as dependencies only the Chainlet's
 * `npmRequirements` (everything else is inside the bundle). Versions are pinned to what the user's
 * `package-lock.json` resolved when it has the package, else kept as written. When every requirement
 * and its dependencies are in that lockfile, the matching part of it becomes the context's own
 * lockfile, so the image installs exactly the tested versions with `npm ci` and no registry guessing.
 */
export function emitContextPackage(ir: ChainIR, chainlet: ChainletIR, projectRoot: string): ContextPackage {
  const requirements = chainlet.config.dockerImage.npmRequirements;
  // Only requirements are looked up in the lockfile, and a project's lockfile can be megabytes.
  const lock = requirements.length > 0 ? readLockfile(join(projectRoot, "package-lock.json")) : undefined;
  const dependencies: Record<string, string> = {};
  for (const spec of [...requirements].sort()) {
    const { name, version } = parseNpmRequirement(spec);
    dependencies[name] = lock?.packages?.[`node_modules/${name}`]?.version ?? version ?? "*";
  }
  const name = `${ir.name}-${chainlet.name}`;
  const manifest = { name, version: "0.0.0", private: true, type: "module", dependencies };
  const packages = Object.keys(dependencies).length > 0 && lock ? lockedSubset(lock, dependencies) : undefined;
  const packageLock = packages
    ? stableJson({ name, version: "0.0.0", lockfileVersion: 3, requires: true, packages: { "": { name, version: "0.0.0", dependencies }, ...packages } })
    : undefined;
  return { packageJson: stableJson(manifest), packageLock };
}

function readLockfile(path: string): Lockfile | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as Lockfile;
    return (parsed.lockfileVersion ?? 0) >= 2 && parsed.packages ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The lockfile entries the requirements need, at the same `node_modules/...` paths, found the way
 * Node resolves (nearest `node_modules` upward). A subtree of a valid layout is itself valid. Returns
 * undefined when something needed is missing, or the version differs from the pin, or is a link.
 */
function lockedSubset(lock: Lockfile, roots: Record<string, string>): Record<string, LockEntry> | undefined {
  const all = lock.packages ?? {};
  const picked = new Map<string, LockEntry>();
  const visit = (from: string, name: string, required: boolean): boolean => {
    for (let base = from; ; base = parentPackagePath(base)) {
      const path = `${base ? `${base}/` : ""}node_modules/${name}`;
      const entry = all[path];
      if (entry) {
        if (entry.link) return false;
        if (picked.has(path)) return true;
        const { dev: _dev, devOptional: _devOptional, peer: _peer, ...kept } = entry;
        picked.set(path, kept);
        const deps = Object.keys(entry.dependencies ?? {}).map((dep) => visit(path, dep, true));
        const optional = Object.keys(entry.optionalDependencies ?? {}).map((dep) => visit(path, dep, false));
        return [...deps, ...optional].every(Boolean);
      }
      if (!base) return !required;
    }
  };
  for (const [name, version] of Object.entries(roots)) {
    if (all[`node_modules/${name}`]?.version !== version || !visit("", name, true)) return undefined;
  }
  return Object.fromEntries([...picked.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** `node_modules/a/node_modules/@s/b` → `node_modules/a`; a top-level package → `""`. */
function parentPackagePath(path: string): string {
  const at = path.lastIndexOf("/node_modules/");
  return at < 0 ? "" : path.slice(0, at);
}
