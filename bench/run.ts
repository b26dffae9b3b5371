import { Command } from "commander";
import { join } from "node:path";
import { BENCHMARKS, runBenchmarks } from "./run-benchmarks.js";
import { renderText } from "./report.js";
import { benchTmpDir, resultsDir } from "./paths.js";

/** `npm run bench [-- <name...>] [--smoke]`: runs benchmarks, prints one table, writes bench/results/. */
const program = new Command("bench")
  .description(`tschains benchmarks: ${BENCHMARKS.map((b) => b.name).join(", ")}`)
  .argument("[names...]", "benchmarks to run (default: all)")
  .option("--smoke", "token durations, one repeat: checks that every benchmark runs, measures nothing", false)
  .option("--out <dir>", "folder for <selection>.json and .md (default bench/results, smoke: bench/.tmp/results)")
  .option("-q, --quiet", "no progress lines", false)
  .action(async (names: string[], flags: { smoke: boolean; out?: string; quiet: boolean }) => {
    const suite = await runBenchmarks({
      names,
      smoke: flags.smoke,
      outDir: flags.out,
      log: flags.quiet ? undefined : (message) => process.stderr.write(`${message}\n`),
    });
    process.stdout.write(renderText(suite));
    const outDir = flags.out ?? (flags.smoke ? join(benchTmpDir, "results") : resultsDir);
    process.stdout.write(`Results: ${join(outDir, `${suite.selection}.json`)} and .md\n`);
    if (suite.benchmarks.some((b) => b.error)) process.exitCode = 1;
  });

// The measured services run in sessions of their own (see processes.ts), out of reach of a Ctrl-C:
// exiting through `process.exit` runs the guards that stop them.
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(130));

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exitCode = 1;
});
