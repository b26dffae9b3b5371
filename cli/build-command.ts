import { Option, type Command } from "commander";
import { buildChain } from "../api/build-chain.js";
import { formatDiagnostics } from "../compiler/diagnostics.js";
import { EXPOSE_MODES, type DeployOptions } from "../emitters/deploy/emit-deployments.js";

/** `chains build <entry.ts> [--out dir]`. */
export function registerBuildCommand(program: Command): void {
  program
    .command("build")
    .description("compile a chain and write its build output to <out>/<chain>/")
    .argument("<entry>", "the chain's entry file (.ts)")
    .option("-o, --out <dir>", "output folder", "dist")
    .option("--registry <prefix>", "image registry prefix for Compose and Kubernetes, e.g. ghcr.io/acme")
    .option("--tag <tag>", "image tag of every Chainlet (default: each Chainlet's build id)")
    .addOption(new Option("--expose <mode>", "how Kubernetes exposes the entrypoint").choices([...EXPOSE_MODES]).default("loadbalancer"))
    .action(async (entry: string, flags: { out: string } & DeployOptions) => {
      const result = await buildChain(entry, { outDir: flags.out, registry: flags.registry, tag: flags.tag, expose: flags.expose });
      if (result.diagnostics.length > 0) {
        process.stderr.write(formatDiagnostics(result.diagnostics, { cwd: process.cwd(), color: process.stderr.isTTY }));
      }
      if (!result.ok) {
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`Built ${result.chainDir}\n`);
    });
}
