import { resolve } from "node:path";
import type { Command } from "commander";
import { compileChain } from "../compiler/compile-chain.js";
import { formatDiagnostics, hasErrors } from "../compiler/diagnostics.js";
import { renderGraph } from "../emitters/deploy/emit-graph.js";
import { ENTRYPOINT_ARGUMENT } from "./build-command.js";

/** `chains graph <entry.ts> [entrypoint]`: the chain as a Mermaid flowchart on stdout, without writing a build. */
export function registerGraphCommand(program: Command): void {
  program
    .command("graph")
    .description("print the chain as a Mermaid diagram with each Chainlet's compute")
    .argument("<entry>", "the chain's entry file (.ts)")
    .argument("[entrypoint]", ENTRYPOINT_ARGUMENT)
    .action((entry: string, entrypoint: string | undefined) => {
      // The IR records where a build would go; nothing is written here.
      const { ir, diagnostics } = compileChain(resolve(entry), { entrypoint });
      if (diagnostics.length > 0) {
        process.stderr.write(formatDiagnostics(diagnostics, { cwd: process.cwd(), color: process.stderr.isTTY }));
      }
      if (!ir || hasErrors(diagnostics)) {
        process.exitCode = 1;
        return;
      }
      process.stdout.write(renderGraph(ir));
    });
}
