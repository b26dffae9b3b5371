import type { ChainIR, ChainletIR } from "../../compiler/chain-ir.js";
import { diagnosticMessage } from "../../compiler/diagnostic-messages.js";
import { EmitError } from "../emit-error.js";
import { toDnsLabel } from "./dns-label.js";
import { IMAGE_TAG, defaultImageTag } from "./image-tag.js";

/** How the entrypoint is reachable from outside a Kubernetes cluster. */
export type ExposeMode = "loadbalancer" | "ingress" | "none";

/**
 * What scales a Chainlet with `maxReplicas > minReplicas` on Kubernetes: an HPA on CPU, a KEDA ScaledObject
 * on calls in flight (Prometheus) and CPU, or the KEDA HTTP add-on (its interceptor counts the calls and
 * wakes a Chainlet from zero).
 */
export type AutoscalerKind = "hpa" | "keda" | "keda-http";

/** Options of the whole-chain deployments (`chains build --registry --tag --expose ...`). */
export interface DeployOptions {
  /** Image registry and namespace prefix, e.g. `ghcr.io/acme`; images are local names without it. */
  registry?: string;
  /** Image tag of every Chainlet; default each Chainlet's own build id (`defaultImageTag`), never `latest`. */
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
  /**
   * `hpa` (the default for `minReplicas ≥ 1`): CPU; `keda`: a KEDA ScaledObject on in-flight calls per
   * replica; `keda-http` (the default for `minReplicas: 0`): the KEDA HTTP add-on.
   */
  autoscaler?: AutoscalerKind;
  /** Prometheus KEDA queries (default `http://prometheus-operated.<monitoringNamespace>.svc:9090`). */
  prometheusUrl?: string;
}

export interface ResolvedDeployOptions {
  registry: string | undefined;
  /** The `--tag` override; undefined means every Chainlet is tagged with its build id. */
  tag: string | undefined;
  expose: ExposeMode;
  host: string | undefined;
  tlsSecret: string | undefined;
  certIssuer: string | undefined;
  ingressNamespace: string;
  monitoringNamespace: string;
  /** As chosen; undefined lets each Chainlet take its default (see `autoscalerFor`). */
  autoscaler: AutoscalerKind | undefined;
  prometheusUrl: string;
}

export const EXPOSE_MODES: readonly ExposeMode[] = ["loadbalancer", "ingress", "none"];
export const AUTOSCALER_KINDS: readonly AutoscalerKind[] = ["hpa", "keda", "keda-http"];

/** A DNS name (RFC 1123 subdomain), optionally a leading wildcard label as Ingress hosts allow. */
const HOST = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A registry prefix: host[:port] and path components, as Docker's reference grammar has them. */
const REGISTRY = /^[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const DNS_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Checks a user's value for what it is before it goes into a manifest; a mismatch is a CH1440 build error. */
function checked(value: string | undefined, pattern: RegExp, what: string): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (value.length > 253 || !pattern.test(value)) throw new EmitError(diagnosticMessage("CH1440", "invalidOption", what, JSON.stringify(value)));
  return value;
}

export function resolveDeployOptions(options: DeployOptions = {}): ResolvedDeployOptions {
  const monitoringNamespace = checked(options.monitoringNamespace, DNS_NAME, "--monitoring-namespace") ?? "monitoring";
  const prometheusUrl = options.prometheusUrl || `http://prometheus-operated.${monitoringNamespace}.svc:9090`;
  if (!URL.canParse(prometheusUrl) || !/^https?:$/.test(new URL(prometheusUrl).protocol)) {
    throw new EmitError(diagnosticMessage("CH1440", "notHttpUrl", "--prometheus-url", JSON.stringify(prometheusUrl)));
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
    autoscaler: options.autoscaler,
    prometheusUrl,
  };
  if (resolved.certIssuer && !resolved.host) throw new EmitError(diagnosticMessage("CH1440", "certIssuerNeedsHost"));
  return resolved;
}

/**
 * `<registry>/<chain>-<chainlet>:<tag>`; without a registry the image stays a local name. The tag is
 * `--tag`, else the Chainlet's build id, so a rebuild that leaves a Chainlet unchanged leaves its tag
 * (and its running pods) alone.
 */
export function imageName(ir: ChainIR, chainlet: ChainletIR, options: ResolvedDeployOptions): string {
  const repository = toDnsLabel(`${ir.name}-${chainlet.name}`, 128);
  return `${options.registry ? `${options.registry}/` : ""}${repository}:${options.tag ?? defaultImageTag(chainlet)}`;
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
