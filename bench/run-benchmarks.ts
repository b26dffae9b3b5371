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
import { runToExit } from "./processes.js";
import { renderMarkdown, type SuiteResult } from "./report.js";
import { compiledScript } from "./child-script.js";
import { brokenResult, runOne, type BenchmarkHostMessage } from "./run-one.js";

/**
 * Every benchmark, in the order a full run executes them. The two that run the compiler in their own
 * process (`compile` times `buildChain` there, `reload` is `chains serve --watch`) come last, so that
 * even a run from the TypeScript sources, all in one process, measures the others before the
 * compiler's heap is there.
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
 * that breaks is recorded with its error so the others still run. Run from lib/, each benchmark runs
 * in a fresh process of its own (`benchmark-host`); from the TypeScript sources (the smoke test, which
 * measures nothing) here.
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
  const host = compiledScript("benchmark-host");
  for (const benchmark of selected) {
    log(`${benchmark.name}: ${benchmark.title}`);
    results.push(host ? await runInProcessOfItsOwn(host, benchmark, settings.smoke, log) : await runOne(benchmark, settings, log));
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

/** Runs `benchmark` in `benchmark-host`, passing its progress lines on; a process that dies is a broken result. */
async function runInProcessOfItsOwn(host: string, benchmark: Benchmark, smoke: boolean, log: (message: string) => void): Promise<BenchmarkResult> {
  const t0 = Date.now();
  let result: BenchmarkResult | undefined;
  const onMessage = (message: BenchmarkHostMessage) => {
    if ("log" in message) log(message.log);
    else result = message.result;
  };
  // Structured clone, not JSON: the result's figures keep NaN and -0 as the benchmark made them.
  const exited = await runToExit([host, benchmark.name, ...(smoke ? ["--smoke"] : [])], (message) => onMessage(message as BenchmarkHostMessage), "advanced");
  if (result) return result;
  const error = `benchmark-host ${benchmark.name} ${exited.how} without a result:\n${exited.stderr}`;
  log(`  FAILED: ${error}`);
  return brokenResult(benchmark, `the benchmark failed: ${error.split("\n")[0]}`, error, (Date.now() - t0) / 1000);
}
