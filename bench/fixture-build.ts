import { buildChain } from "../api/build-chain.js";
import { formatDiagnostics } from "../compiler/diagnostics.js";
import { repoRoot } from "./paths.js";

/** What building a fixture gave: its chain folder, or what stopped it (the diagnostics, formatted). */
export type FixtureBuild = { chainDir: string; failure?: undefined } | { failure: string; chainDir?: undefined };

/** Builds `entry` into `outDir` as `chains build` does. */
export async function buildForBenchmark(entry: string, outDir: string): Promise<FixtureBuild> {
  try {
    const result = await buildChain(entry, { outDir });
    if (result.ok) return { chainDir: result.chainDir };
    return { failure: `failed:\n${formatDiagnostics(result.diagnostics, { cwd: repoRoot, color: false })}` };
  } catch (error) {
    return { failure: `threw: ${(error as Error).message}` };
  }
}
