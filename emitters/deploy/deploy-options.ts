import type { ChainIR, ChainletIR } from "../../compiler/chain-ir.js";
import { toDnsLabel } from "./dns-label.js";

/** How the entrypoint is reachable from outside a Kubernetes cluster. */
export type ExposeMode = "loadbalancer" | "ingress" | "none";

/** Options of the whole-chain deployments (`chains build --registry --tag --expose`). */
export interface DeployOptions {
  /** Image registry and namespace prefix, e.g. `ghcr.io/acme`; images are local names without it. */
  registry?: string;
  /** Image tag of every Chainlet; default each Chainlet's own `buildId` (`latest` when the IR has none). */
  tag?: string;
  /** Kubernetes only: a LoadBalancer Service (default), an Ingress, or no outside access. */
  expose?: ExposeMode;
}

export interface ResolvedDeployOptions {
  registry: string | undefined;
  /** The `--tag` override; undefined means every Chainlet is tagged with its build id. */
  tag: string | undefined;
  expose: ExposeMode;
}

export const EXPOSE_MODES: readonly ExposeMode[] = ["loadbalancer", "ingress", "none"];

export function resolveDeployOptions(options: DeployOptions = {}): ResolvedDeployOptions {
  const registry = options.registry?.replace(/\/+$/, "") || undefined;
  return { registry, tag: options.tag || undefined, expose: options.expose ?? "loadbalancer" };
}

/**
 * `<registry>/<chain>-<chainlet>:<tag>`; without a registry the image stays a local name. The tag is
 * `--tag`, else the Chainlet's build id, so a rebuild that leaves a Chainlet unchanged leaves its tag
 * (and its running pods) alone.
 */
export function imageName(ir: ChainIR, chainlet: ChainletIR, options: ResolvedDeployOptions): string {
  const repository = toDnsLabel(`${ir.name}-${chainlet.name}`, 128);
  return `${options.registry ? `${options.registry}/` : ""}${repository}:${options.tag ?? chainlet.buildId ?? "latest"}`;
}

/**
 * The DNS label each Chainlet is reached by: its Compose service name and, prefixed with the chain,
 * its Kubernetes Service name. Distinct Chainlet names that sanitise to the same label (`a_b`, `a-b`)
 * are told apart by a numeric suffix, in the IR's (sorted) order so the result is stable.
 */
export function serviceLabels(ir: ChainIR, prefix: string): Map<string, string> {
  const labels = new Map<string, string>();
  const taken = new Set<string>();
  for (const chainlet of ir.chainlets) {
    const base = toDnsLabel(prefix ? `${prefix}-${chainlet.name}` : chainlet.name);
    let label = base;
    for (let n = 2; taken.has(label); n++) label = toDnsLabel(`${base}-${n}`);
    taken.add(label);
    labels.set(chainlet.name, label);
  }
  return labels;
}
