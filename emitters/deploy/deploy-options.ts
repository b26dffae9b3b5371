import type { ChainIR, ChainletIR } from "../../compiler/chain-ir.js";
import { EmitError } from "../emit-error.js";
import { toDnsLabel } from "./dns-label.js";
import { IMAGE_TAG, defaultImageTag, type BuildContext } from "./image-tag.js";

/** How the entrypoint is reachable from outside a Kubernetes cluster. */
export type ExposeMode = "loadbalancer" | "ingress" | "none";

/** What scales a Chainlet with `maxReplicas > minReplicas` on Kubernetes. */
export type AutoscalerKind = "hpa" | "keda";

/** Options of the whole-chain deployments (`chains build --registry --tag --expose ...`). */
export interface DeployOptions {
  /** Image registry and namespace prefix, e.g. `ghcr.io/acme`; images are local names without it. */
  registry?: string;
  /** Image tag of every Chainlet; default a content hash per Chainlet (`defaultImageTag`), never `latest`. */
  tag?: string;
  /** Kubernetes only: a LoadBalancer Service (default), an Ingress, or no outside access. */
  expose?: ExposeMode;
  /** Ingress only: the host it answers for (rule and TLS `hosts`). */
  host?: string;
  /** Ingress only: the Secret with the TLS certificate; default `<chain>-tls`. */
  tlsSecret?: string;
  /** Ingress only: a cert-manager ClusterIssuer that fills `tlsSecret` (needs `host`). */
  certIssuer?: string;
  /** Namespace of the ingress controller, the only one the entrypoint accepts from under `--expose ingress`. */
  ingressNamespace?: string;
  /** Namespace of the Prometheus that scrapes the metrics port (and that KEDA asks). */
  monitoringNamespace?: string;
  /** `hpa` (default): CPU; `keda`: a KEDA ScaledObject on in-flight calls per replica. */
  autoscaler?: AutoscalerKind;
  /** Prometheus KEDA queries (default `http://prometheus-operated.<monitoringNamespace>.svc:9090`). */
  prometheusUrl?: string;
  /** Set by `emitChain`: each Chainlet's build context, which its default tag hashes. */
  contexts?: ReadonlyMap<string, BuildContext>;
}

export interface ResolvedDeployOptions {
  registry: string | undefined;
  tag: string | undefined;
  expose: ExposeMode;
  host: string | undefined;
  tlsSecret: string | undefined;
  certIssuer: string | undefined;
  ingressNamespace: string;
  monitoringNamespace: string;
  autoscaler: AutoscalerKind;
  prometheusUrl: string;
  contexts: ReadonlyMap<string, BuildContext>;
}

export const EXPOSE_MODES: readonly ExposeMode[] = ["loadbalancer", "ingress", "none"];
export const AUTOSCALER_KINDS: readonly AutoscalerKind[] = ["hpa", "keda"];

/** A DNS name (RFC 1123 subdomain), optionally a leading wildcard label as Ingress hosts allow. */
const HOST = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A registry prefix: host[:port] and path components, as Docker's reference grammar has them. */
const REGISTRY = /^[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const DNS_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Checks a user's value for what it is before it goes into a manifest; a mismatch is a CH1440 build error. */
function checked(value: string | undefined, pattern: RegExp, what: string): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (value.length > 253 || !pattern.test(value)) throw new EmitError("CH1440", `${what} ${JSON.stringify(value)} is not valid.`);
  return value;
}

export function resolveDeployOptions(options: DeployOptions = {}): ResolvedDeployOptions {
  const monitoringNamespace = checked(options.monitoringNamespace, DNS_NAME, "--monitoring-namespace") ?? "monitoring";
  const prometheusUrl = options.prometheusUrl || `http://prometheus-operated.${monitoringNamespace}.svc:9090`;
  if (!URL.canParse(prometheusUrl) || !/^https?:$/.test(new URL(prometheusUrl).protocol)) {
    throw new EmitError("CH1440", `--prometheus-url ${JSON.stringify(prometheusUrl)} is not an http(s) URL.`);
  }
  const resolved: ResolvedDeployOptions = {
    registry: checked(options.registry?.replace(/\/+$/, ""), REGISTRY, "--registry"),
    tag: checked(options.tag, IMAGE_TAG, "--tag"),
    expose: options.expose ?? "loadbalancer",
    host: checked(options.host?.toLowerCase(), HOST, "--host"),
    tlsSecret: checked(options.tlsSecret, DNS_NAME, "--tls-secret"),
    certIssuer: checked(options.certIssuer, DNS_NAME, "--cert-issuer"),
    ingressNamespace: checked(options.ingressNamespace, DNS_NAME, "--ingress-namespace") ?? "ingress-nginx",
    monitoringNamespace,
    autoscaler: options.autoscaler ?? "hpa",
    prometheusUrl,
    contexts: options.contexts ?? new Map(),
  };
  if (resolved.certIssuer && !resolved.host) throw new EmitError("CH1440", "--cert-issuer needs --host: cert-manager issues a certificate for a host name.");
  return resolved;
}

/** `<registry>/<chain>-<chainlet>:<tag>`; without a registry the image stays a local name. */
export function imageName(ir: ChainIR, chainlet: ChainletIR, options: ResolvedDeployOptions): string {
  const repository = toDnsLabel(`${ir.name}-${chainlet.name}`, 128);
  const tag = options.tag ?? defaultImageTag(chainlet, options.contexts.get(chainlet.name));
  return `${options.registry ? `${options.registry}/` : ""}${repository}:${tag}`;
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
