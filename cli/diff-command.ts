import type { Command } from "commander";
import { compareBuilds } from "../diff/compare-chainlets.js";
import { formatJsonReport, formatReport } from "../diff/format-report.js";
import { BuildLoadError, loadBuild } from "../diff/load-build.js";

/** Exit codes of `chains diff`: compatible, breaking, and builds that could not be read. */
export const DIFF_EXIT = { compatible: 0, breaking: 1, unreadable: 2 } as const;

/** `chains diff <old> <new> [--json]`. */
export function registerDiffCommand(program: Command): void {
  program
    .command("diff")
    .description("compare two builds and report changes that break existing callers (exit 1 when any does)")
    .argument("<old>", "the deployed build: a chain.json or a build folder")
    .argument("<new>", "the build to roll out: a chain.json or a build folder")
    .option("--json", "print the report as JSON (for CI)")
    .action((oldPath: string, newPath: string, flags: { json?: boolean }) => {
      let report;
      try {
        report = compareBuilds(loadBuild(oldPath), loadBuild(newPath));
      } catch (error) {
        if (!(error instanceof BuildLoadError)) throw error;
        process.stderr.write(`chains diff: ${error.message}\n`);
        process.exitCode = DIFF_EXIT.unreadable;
        return;
      }
      process.stdout.write(flags.json ? formatJsonReport(report) : formatReport(report));
      process.exitCode = report.breaking ? DIFF_EXIT.breaking : DIFF_EXIT.compatible;
    });
}
