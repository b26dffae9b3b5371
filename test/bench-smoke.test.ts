import { rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BENCHMARKS, runBenchmarks } from "../bench/run-benchmarks.js";
import { benchTmpDir } from "../bench/paths.js";

/**
 * Runs every benchmark in smoke mode (token durations, one repeat) so the suite cannot rot: each must
 * finish, produce its table and report its ratios as numbers. Speed is never asserted here.
 */
describe("npm run bench -- --smoke", () => {
  it("runs every benchmark and reports each ratio as a number", { timeout: 120_000 }, async () => {
    const outDir = join(benchTmpDir, "smoke-test-results");
    rmSync(outDir, { recursive: true, force: true });
    const suite = await runBenchmarks({ smoke: true, outDir });

    expect(suite.benchmarks.map((b) => b.name)).toEqual(BENCHMARKS.map((b) => b.name));
    for (const benchmark of suite.benchmarks) {
      expect(benchmark.error, `${benchmark.name} broke`).toBeUndefined();
      expect(benchmark.available, `${benchmark.name}: ${benchmark.reason}`).toBe(true);
      expect(benchmark.rows.length, benchmark.name).toBeGreaterThan(0);
      for (const [key, value] of Object.entries(benchmark.ratios)) {
        expect(typeof value === "number" && Number.isFinite(value), `${benchmark.name}.${key} = ${value}`).toBe(true);
      }
    }
    for (const key of ["hopRatio", "hopTracingRatio", "p99Ratio", "fastifyRatio", "fanOutRatio", "validationShare", "coldStartRatio", "idleRssMb", "compileRatio", "binaryRatio", "binaryMsgpackrClientRatio", "binaryTypedClientRatio", "rawAlignedReadRatio", "streamItemsPerSec", "reloadSec"]) {
      expect(suite.ratios, key).toHaveProperty(key);
    }
    expect(suite.machine.cores).toBeGreaterThan(0);
    expect(suite.packages.autocannon).toMatch(/^\d+\.\d+\.\d+/);
  });
});
