#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { registerBuildCommand } from "./build-command.js";
import { registerDiffCommand } from "./diff-command.js";
import { registerGraphCommand } from "./graph-command.js";
import { registerServeCommand } from "./serve-command.js";

/** The package version, read from package.json both from the source tree (cli/) and the build (lib/cli/). */
function packageVersion(): string {
  for (const candidate of ["../package.json", "../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(candidate, import.meta.url), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "tschains" && pkg.version) return pkg.version;
    } catch {
      // Not at this level; try the next one.
    }
  }
  return "0.0.0";
}

const program = new Command("chains")
  .description("Build, check and serve tschains chains")
  .version(packageVersion())
  .showHelpAfterError();
registerBuildCommand(program);
registerServeCommand(program);
registerGraphCommand(program);
registerDiffCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Expected failures are diagnostics with codes; anything reaching here is a tschains bug.
  process.stderr.write(`chains: internal error, please report it:\n${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
}
