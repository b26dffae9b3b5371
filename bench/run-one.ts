import type { Benchmark, BenchmarkResult, RunSettings } from "./benchmark.js";
import { NotAvailable } from "./served-fixture.js";

/** What a benchmark's own process (`benchmark-host`) sends the run: progress lines, then the result. */
export type BenchmarkHostMessage = { log: string } | { result: BenchmarkResult };

/**
 * Runs one benchmark in this process. One whose subject does not exist yet reports "not available";
 * one that breaks is recorded with its error, so that the others still run.
 */
export async function runOne(benchmark: Benchmark, settings: RunSettings, log: (message: string) => void): Promise<BenchmarkResult> {
  const t0 = Date.now();
  const base = { name: benchmark.name, title: benchmark.title };
  try {
    const result = await benchmark.run({ settings, log });
    return { ...base, ...result, seconds: (Date.now() - t0) / 1000 };
  } catch (error) {
    const failed = !(error instanceof NotAvailable);
    const message = failed ? ((error as Error).stack ?? String(error)) : (error as Error).message;
    log(`  ${failed ? "FAILED" : "not available"}: ${message}`);
    return brokenResult(benchmark, failed ? `the benchmark failed: ${(error as Error).message}` : message, failed ? message : undefined, (Date.now() - t0) / 1000);
  }
}

/** The result of a benchmark that could not measure: why, and the error when it broke. */
export function brokenResult(benchmark: Benchmark, reason: string, error: string | undefined, seconds: number): BenchmarkResult {
  return { name: benchmark.name, title: benchmark.title, available: false, reason, error, columns: [], rows: [], ratios: {}, targets: [], details: null, notes: [], seconds };
}
