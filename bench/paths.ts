import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root, found from this file whether it runs as bench/*.ts or compiled as lib/bench/*.js. */
export const repoRoot = findRoot(dirname(fileURLToPath(import.meta.url)));

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "bench"))) return dir;
    if (dirname(dir) === dir) throw new Error(`no tschains repository above ${from}`);
  }
}

/** Sources of the benchmarks (fixtures live here even when the code runs from lib/). */
export const benchDir = join(repoRoot, "bench");
/** Generated chains, builds and bundles of one run; gitignored. */
export const benchTmpDir = join(benchDir, ".tmp");
export const resultsDir = join(benchDir, "results");
