#!/usr/bin/env node
import { Command } from "commander";
import { registerBuildCommand } from "./build-command.js";
import { registerCallCommand } from "./call-command.js";
import { registerDiffCommand } from "./diff-command.js";
import { registerGraphCommand } from "./graph-command.js";
import { registerInitCommand } from "./init-command.js";
import { packageVersion } from "./package-version.js";
import { registerServeCommand } from "./serve-command.js";

const program = new Command("chains")
  .description("Build, check and serve tschains chains")
  .version(packageVersion())
  .showHelpAfterError();
registerInitCommand(program);
registerBuildCommand(program);
registerServeCommand(program);
registerGraphCommand(program);
registerCallCommand(program);
registerDiffCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Expected failures are diagnostics with codes; anything reaching here is a tschains bug.
  process.stderr.write(`chains: internal error, please report it:\n${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
}
