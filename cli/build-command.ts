import { Option, type Command } from "commander";
import { buildChain, type BuildOptions } from "../api/build-chain.js";
import { formatDiagnostics } from "../compiler/diagnostics.js";
import { AUTOSCALER_KINDS, EXPOSE_MODES } from "../emitters/deploy/emit-deployments.js";

/** `chains build <entry.ts> [--out dir]`. */
export function registerBuildCommand(program: Command): void {
  program
    .command("build")
    .description("compile a chain and write its build output to <out>/<chain>/")
    .argument("<entry>", "the chain's entry file (.ts)")
    .option("-o, --out <dir>", "output folder", "dist")
    .option("--registry <prefix>", "image registry prefix for Compose and Kubernetes, e.g. ghcr.io/acme")
    .option("--tag <tag>", "image tag of every Chainlet (default: each Chainlet's build id, never latest)")
    .addOption(new Option("--expose <mode>", "how Kubernetes exposes the entrypoint").choices([...EXPOSE_MODES]).default("loadbalancer"))
    .option("--host <name>", "Ingress host (rule and TLS)")
    .option("--tls-secret <name>", "Ingress TLS Secret (default <chain>-tls)")
    .option("--cert-issuer <name>", "cert-manager ClusterIssuer that fills the TLS Secret (needs --host)")
    .option("--ingress-namespace <ns>", "namespace of the ingress controller the entrypoint accepts traffic from", "ingress-nginx")
    .option("--monitoring-namespace <ns>", "namespace of the Prometheus that scrapes the metrics port", "monitoring")
    .addOption(new Option("--autoscaler <kind>", "what scales Chainlets with maxReplicas > minReplicas").choices([...AUTOSCALER_KINDS]).default("hpa"))
    .option("--prometheus-url <url>", "Prometheus the KEDA trigger queries")
    .action(async (entry: string, flags: { out: string } & BuildOptions) => {
      const { out, ...deploy } = flags;
      const result = await buildChain(entry, { ...deploy, outDir: out });
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
