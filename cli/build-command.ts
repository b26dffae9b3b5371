import { Option, type Command } from "commander";
import { buildChain, type BuildOptions } from "../api/build-chain.js";
import { formatDiagnostics } from "../compiler/diagnostics.js";
import { AUTOSCALER_KINDS, EXPOSE_MODES } from "../emitters/deploy/emit-deployments.js";

/** Help text of the optional `[entrypoint]` argument shared by build, serve and graph. */
export const ENTRYPOINT_ARGUMENT = "class name of the entrypoint, when the entry file and its imports hold several @entrypoint classes";

/** `chains build <entry.ts> [entrypoint] [--out dir]`. */
export function registerBuildCommand(program: Command): void {
  program
    .command("build")
    .description("compile a chain and write its build output to <out>/<chain>/")
    .argument("<entry>", "the chain's entry file (.ts)")
    .argument("[entrypoint]", ENTRYPOINT_ARGUMENT)
    .option("-o, --out <dir>", "output folder", "dist")
    .option("--registry <prefix>", "image registry prefix for Compose and Kubernetes, e.g. ghcr.io/acme")
    .option("--tag <tag>", "image tag of every Chainlet (default: each Chainlet's build id, never latest)")
    .addOption(new Option("--expose <mode>", "how Kubernetes exposes the entrypoint").choices([...EXPOSE_MODES]).default("loadbalancer"))
    .option("--host <name>", "Ingress host (rule and TLS)")
    .option("--tls-secret <name>", "Ingress TLS Secret (default <chain>-tls)")
    .option("--cert-issuer <name>", "cert-manager ClusterIssuer that fills the TLS Secret (needs --host)")
    .option("--ingress-namespace <ns>", "namespace of the ingress controller the entrypoint accepts traffic from", "ingress-nginx")
    .option("--monitoring-namespace <ns>", "namespace of the Prometheus that scrapes the metrics port", "monitoring")
    .addOption(new Option("--autoscaler <kind>", "what scales Chainlets with maxReplicas > minReplicas (default: hpa; keda-http for minReplicas 0)").choices([...AUTOSCALER_KINDS]))
    .option("--prometheus-url <url>", "Prometheus the KEDA trigger queries")
    .action(async (entry: string, entrypoint: string | undefined, flags: { out: string } & BuildOptions) => {
      const { out, ...deploy } = flags;
      const result = await buildChain(entry, { ...deploy, outDir: out, entrypoint });
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
