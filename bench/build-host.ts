import { buildForBenchmark } from "./fixture-build.js";

/**
 * Child-process entry: builds one fixture (`build-host <entry> <outDir>`) and reports the
 * `FixtureBuild` over IPC. The benchmarks build in a process of their own, as a user runs `chains
 * build` before `chains serve`, so that the compiler's heap (its kept TypeScript project, the
 * validators worker) is not in the process that generates the load and runs the clients, where its
 * major garbage collections paused the clients' reads (bench/README.md, "Binary mode (session 6)").
 */
async function main(): Promise<void> {
  const [entry, outDir] = process.argv.slice(2);
  if (!entry || !outDir || !process.send) throw new Error("usage: build-host <entry> <outDir>, with an IPC channel");
  const built = await buildForBenchmark(entry, outDir);
  process.send(built, () => process.exit(0));
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
