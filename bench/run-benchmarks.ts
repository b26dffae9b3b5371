import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FULL_SETTINGS, SMOKE_SETTINGS, type Benchmark, type BenchmarkResult } from "./benchmark.js";
import { binaryBenchmark } from "./benchmarks/binary-streaming.js";
import { coldStartBenchmark } from "./benchmarks/cold-start.js";
import { compileBenchmark } from "./benchmarks/compile-time.js";
import { fanOutBenchmark } from "./benchmarks/fan-out.js";
import { hopBenchmark } from "./benchmarks/hop.js";
import { reloadBenchmark } from "./benchmarks/reload.js";
import { validationBenchmark } from "./benchmarks/validation.js";
import { describeMachine, packageVersions } from "./machine.js";
import { benchTmpDir, resultsDir } from "./paths.js";
import { renderMarkdown, type SuiteResult } from "./report.js";
import { NotAvailable } from "./served-fixture.js";

/**
 * Every benchmark, in the order a full run executes them. The two that run the compiler in the
 * benchmark process itself (`compile` times `buildChain` there, `reload` is `chains serve --watch`) come
 * last: the heap the compiler keeps would otherwise be collected, with pauses, in the process whose
 * clients and load generator the later benchmarks time (bench/README.md, "Binary mode (session 6)").
 */
export const BENCHMARKS: readonly Benchmark[] = [
  hopBenchmark,
  fanOutBenchmark,
  validationBenchmark,
  coldStartBenchmark,
  binaryBenchmark,
  compileBenchmark,
  reloadBenchmark,
];

export interface RunOptions {
  /** Benchmark names to run; all when empty or absent. */
  names?: string[];
  /** Token durations and one repeat: proves the benchmarks still run, measures nothing. */
  smoke?: boolean;
  /** Where `<selection>.json` and `.md` go; default bench/results/, or bench/.tmp/results/ for a smoke run. */
  outDir?: string;
  log?: (message: string) => void;
}

/**
 * Runs the selected benchmarks one after another (never in parallel: they would measure each other)
 * and writes the results. A benchmark whose subject does not exist yet reports "not available"; one
 * that breaks is recorded with its error so the others still run.
 */
export async function runBenchmarks(options: RunOptions = {}): Promise<SuiteResult> {
  const names = options.names ?? [];
  const unknown = names.filter((n) => !BENCHMARKS.some((b) => b.name === n));
  if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(", ")}; known: ${BENCHMARKS.map((b) => b.name).join(", ")}`);
  const selected = names.length === 0 ? BENCHMARKS : BENCHMARKS.filter((b) => names.includes(b.name));
  const settings = options.smoke ? SMOKE_SETTINGS : FULL_SETTINGS;
  const log = options.log ?? (() => {});
  const started = Date.now();
  const machine = describeMachine();
  const results: BenchmarkResult[] = [];
  for (const benchmark of selected) {
    log(`${benchmark.name}: ${benchmark.title}`);
    const t0 = Date.now();
    const base = { name: benchmark.name, title: benchmark.title };
    try {
      const result = await benchmark.run({ settings, log });
      results.push({ ...base, ...result, seconds: (Date.now() - t0) / 1000 });
    } catch (error) {
      const failed = !(error instanceof NotAvailable);
      const message = failed ? ((error as Error).stack ?? String(error)) : (error as Error).message;
      log(`  ${failed ? "FAILED" : "not available"}: ${message}`);
      results.push({
        ...base,
        available: false,
        reason: failed ? `the benchmark failed: ${(error as Error).message}` : message,
        error: failed ? message : undefined,
        columns: [],
        rows: [],
        ratios: {},
        targets: [],
        details: null,
        notes: [],
        seconds: (Date.now() - t0) / 1000,
      });
    }
  }
  const selection = names.length === 0 ? "all" : names.join("+");
  const suite: SuiteResult = {
    date: new Date(started).toISOString(),
    selection,
    smoke: settings.smoke,
    durationSec: (Date.now() - started) / 1000,
    machine,
    packages: packageVersions(),
    ratios: Object.assign({}, ...results.map((r) => r.ratios)) as Record<string, number | null>,
    benchmarks: results,
  };
  const outDir = options.outDir ?? (settings.smoke ? join(benchTmpDir, "results") : resultsDir);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, `${selection}.json`), `${JSON.stringify(suite, null, 2)}\n`);
  writeFileSync(join(outDir, `${selection}.md`), renderMarkdown(suite));
  return suite;
}
