import { resolve } from "node:path";
import { Option, type Command } from "commander";
import { compileChain } from "../compiler/compile-chain.js";
import { formatDiagnostics, hasErrors, type Diagnostic } from "../compiler/diagnostics.js";
import { emitChain, stableJson } from "../emitters/emit-chain.js";
import { AUTOSCALER_KINDS, EXPOSE_MODES, type DeployOptions } from "../emitters/deploy/emit-deployments.js";
import { writeOutputAtomically } from "./write-output-atomically.js";

export interface BuildOptions extends Omit<DeployOptions, "contexts"> {
  /** Output folder; the chain is written to `<outDir>/<chain>/`. */
  outDir: string;
}

export interface BuildResult {
  ok: boolean;
  /** Absolute `<outDir>/<chain>/` (empty when the chain's name could not be determined). */
  chainDir: string;
  /** Every error and warning, to be printed with `formatDiagnostics`. */
  diagnostics: Diagnostic[];
}

/**
 * Compiles the chain of `entry` and writes `<outDir>/<chain>/`: `chain.json` plus every emitted artifact,
 * atomically. On any error nothing is written and the previous output stays untouched.
 */
export async function buildChain(entry: string, options: BuildOptions): Promise<BuildResult> {
  const outDir = resolve(options.outDir);
  const { ir, diagnostics } = compileChain(resolve(entry), { outDir });
  if (!ir || hasErrors(diagnostics)) return { ok: false, chainDir: "", diagnostics };
  const chainDir = resolve(outDir, ir.name);
  let emitted;
  try {
    const { outDir: _out, ...deploy } = options;
    emitted = await emitChain(ir, { chainDir, deploy });
  } catch (error) {
    return { ok: false, chainDir, diagnostics: [...diagnostics, ...emitterDiagnostics(error)] };
  }
  await writeOutputAtomically(chainDir, [{ path: "chain.json", contents: stableJson(ir) }, ...emitted]);
  return { ok: true, chainDir, diagnostics };
}

/** An emitter failure that carries a code (`CH14xx`) or diagnostics is a user-facing error; anything else is a bug. */
function emitterDiagnostics(error: unknown): Diagnostic[] {
  const carried = (error as { diagnostics?: unknown } | null)?.diagnostics;
  if (Array.isArray(carried)) return carried as Diagnostic[];
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof Error && typeof code === "string" && /^CH\d{4}$/.test(code)) {
    return [{ code, category: "error", message: error.message.replace(new RegExp(`^${code}:\\s*`), "") }];
  }
  throw error;
}

/** `chains build <entry.ts> [--out dir]`. */
export function registerBuildCommand(program: Command): void {
  program
    .command("build")
    .description("compile a chain and write its build output to <out>/<chain>/")
    .argument("<entry>", "the chain's entry file (.ts)")
    .option("-o, --out <dir>", "output folder", "dist")
    .option("--registry <prefix>", "image registry prefix for Compose and Kubernetes, e.g. ghcr.io/acme")
    .option("--tag <tag>", "image tag of every Chainlet (default: a content hash per Chainlet, never latest)")
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
