import { FULL_SETTINGS, SMOKE_SETTINGS } from "./benchmark.js";
import { BENCHMARKS } from "./run-benchmarks.js";
import { runOne, type BenchmarkHostMessage } from "./run-one.js";

/**
 * Child-process entry: runs one benchmark (`benchmark-host <name> [--smoke]`), sends each progress line
 * and then its result over IPC, and exits. Each benchmark of a run gets a fresh process, so none
 * measures with the heap, the optimised code or the garbage another one left in the process that
 * generates the load and runs the clients (bench/README.md, "Binary mode (session 6)").
 */
async function main(): Promise<void> {
  const [name, smoke] = process.argv.slice(2);
  const benchmark = BENCHMARKS.find((b) => b.name === name);
  if (!benchmark || !process.send) throw new Error(`usage: benchmark-host <${BENCHMARKS.map((b) => b.name).join("|")}> [--smoke], with an IPC channel`);
  const send = (message: BenchmarkHostMessage) => new Promise<void>((resolve) => process.send!(message, () => resolve()));
  const result = await runOne(benchmark, smoke === "--smoke" ? SMOKE_SETTINGS : FULL_SETTINGS, (line) => void send({ log: line }));
  await send({ result });
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
