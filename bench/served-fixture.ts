import { join, relative } from "node:path";
import { buildChain } from "../cli/build-command.js";
import { serveChain, type ServedChain } from "../cli/serve-chain.js";
import { formatDiagnostics } from "../compiler/diagnostics.js";
import { benchTmpDir, repoRoot } from "./paths.js";

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

/** Builds (once) and serves a chain the way `chains serve` does: one process per Chainlet on loopback. */
export async function serveFixture(entry: string): Promise<ServedChain> {
  const chainDir = await buildFixture(entry);
  try {
    return await serveChain({ chainDir, readyTimeoutMs: 20_000 });
  } catch (error) {
    throw new NotAvailable(`serving ${relative(repoRoot, entry)} failed: ${(error as Error).message}`);
  }
}

/** Absolute path of a chain fixture: `fixtures/hello/chain.ts` or `bench/fixtures/fan-out/chain.ts`. */
export function fixturePath(path: string): string {
  return join(repoRoot, path);
}
