import type { HorizontalPodAutoscaler } from "kubernetes-types/autoscaling/v2.js";
import type { Service } from "kubernetes-types/core/v1.js";
import type { ChainletIR, ResolvedRemoteConfig } from "../../compiler/chain-ir.js";
import { diagnosticMessage } from "../../compiler/diagnostic-messages.js";
import { EmitError } from "../emit-error.js";
import { CONTAINER_PORT } from "./container-contract.js";
import type { AutoscalerKind, ResolvedDeployOptions } from "./deploy-options.js";

/**
 * KEDA's ScaledObject (keda.sh/v1alpha1), the fields we write; the tests validate it against KEDA's own
 * schema (`@kubernetes-models/keda`).
 */
export interface ScaledObject {
  apiVersion: "keda.sh/v1alpha1";
  kind: "ScaledObject";
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    scaleTargetRef: { apiVersion: string; kind: string; name: string };
    minReplicaCount: number;
    maxReplicaCount: number;
    triggers: { type: string; metricType?: string; metadata: Record<string, string> }[];
  };
}

/**
 * The KEDA HTTP add-on's InterceptorRoute (http.keda.sh/v1beta1, add-on 0.14+), the fields we write: the
 * interceptor sends requests whose Host is one of `hosts` to `target`, holds them while the target scales
 * up from zero, and reports the calls in flight to KEDA.
 */
export interface InterceptorRoute {
  apiVersion: "http.keda.sh/v1beta1";
  kind: "InterceptorRoute";
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    target: { service: string; port: number };
    rules: { hosts: string[] }[];
    scalingMetric: { concurrency: { targetValue: number } };
  };
}

/** Where the KEDA HTTP add-on runs when installed with its Helm chart's defaults (namespace `keda`). */
export const KEDA_HTTP = {
  namespace: "keda",
  interceptor: "keda-add-ons-http-interceptor-proxy.keda.svc.cluster.local",
  interceptorPort: 8080,
  scalerAddress: "keda-add-ons-http-external-scaler.keda:9090",
} as const;

/** Utilisation of the CPU request at which the autoscaler adds replicas. */
const CPU_TARGET_PERCENT = 70;

/** A Chainlet's Deployment and Service (same name), as the autoscaler objects refer to them. */
export interface ScaleTarget {
  chainlet: ChainletIR;
  /** Name of its Deployment, Service and autoscaler objects. */
  name: string;
  labels: Record<string, string>;
  options: ResolvedDeployOptions;
}

/**
 * What scales `chainlet`, or undefined when it runs a fixed number of replicas (`maxReplicas ≤ minReplicas`).
 * Scaling from zero needs an autoscaler that sees calls while no pod runs: only the KEDA HTTP add-on's
 * interceptor does (it receives the call and holds it). An HPA cannot go below one replica, and KEDA's
 * Prometheus and CPU triggers measure the Chainlet's own pods, which do not exist at zero (CH1441).
 */
export function autoscalerFor(chainlet: ChainletIR, options: ResolvedDeployOptions): AutoscalerKind | undefined {
  const { compute } = chainlet.config;
  if (compute.maxReplicas <= compute.minReplicas) return undefined;
  if (compute.minReplicas > 0) return options.autoscaler ?? "hpa";
  if (options.autoscaler === undefined || options.autoscaler === "keda-http") return "keda-http";
  throw new EmitError(diagnosticMessage("CH1441", "cannotWake", chainlet.name, options.autoscaler));
}

/** The ExternalName Service callers reach a Chainlet by when its calls pass the interceptor. */
export function interceptorServiceName(service: string): string {
  // `--` never appears in a Service name built from a Chainlet name (dns-label.ts folds repeated dashes).
  return `${service.slice(0, 57).replace(/-+$/, "")}--http`;
}

/** The base URL callers use for `chainlet`: its Service, or the interceptor's name for it. */
export function chainletUrl(chainlet: ChainletIR, service: string, options: ResolvedDeployOptions): string {
  return autoscalerFor(chainlet, options) === "keda-http"
    ? `http://${interceptorServiceName(service)}:${KEDA_HTTP.interceptorPort}`
    : `http://${service}:${CONTAINER_PORT}`;
}

/** The autoscaler objects of `target` (none when it is not autoscaled). */
export function autoscalerObjects(target: ScaleTarget): (HorizontalPodAutoscaler | ScaledObject | InterceptorRoute | Service)[] {
  switch (autoscalerFor(target.chainlet, target.options)) {
    case undefined:
      return [];
    case "hpa":
      return [horizontalPodAutoscaler(target)];
    case "keda":
      return [scaledObject(target, [prometheusTrigger(target), cpuTrigger()])];
    case "keda-http":
      return [interceptorService(target), interceptorRoute(target), scaledObject(target, [interceptorTrigger(target)])];
  }
}

/** The Deployment an autoscaler sizes. */
function scaleTarget(target: ScaleTarget): { apiVersion: string; kind: string; name: string } {
  return { apiVersion: "apps/v1", kind: "Deployment", name: target.name };
}

function compute(target: ScaleTarget): ResolvedRemoteConfig["compute"] {
  return target.chainlet.config.compute;
}

/** An object named and labelled after the Chainlet it scales. */
function scalingObject<ApiVersion extends string, Kind extends string, Spec>(apiVersion: ApiVersion, kind: Kind, target: ScaleTarget, spec: Spec) {
  return { apiVersion, kind, metadata: { name: target.name, labels: target.labels }, spec };
}

function horizontalPodAutoscaler(target: ScaleTarget): HorizontalPodAutoscaler {
  return scalingObject("autoscaling/v2", "HorizontalPodAutoscaler", target, {
    scaleTargetRef: scaleTarget(target),
    minReplicas: compute(target).minReplicas,
    maxReplicas: compute(target).maxReplicas,
    metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: CPU_TARGET_PERCENT } } }],
  });
}

function scaledObject(target: ScaleTarget, triggers: ScaledObject["spec"]["triggers"]): ScaledObject {
  return scalingObject("keda.sh/v1alpha1", "ScaledObject", target, {
    triggers,
    scaleTargetRef: scaleTarget(target),
    minReplicaCount: compute(target).minReplicas,
    maxReplicaCount: compute(target).maxReplicas,
  });
}

/**
 * Calls running and waiting per replica, against `compute.concurrency` (KEDA divides the query's total by
 * the threshold): what limits a Chainlet.
 */
function prometheusTrigger(target: ScaleTarget): ScaledObject["spec"]["triggers"][number] {
  const chainlet = JSON.stringify(target.chainlet.name);
  return {
    type: "prometheus",
    metadata: {
      serverAddress: target.options.prometheusUrl,
      query: `sum(chains_run_remote_in_flight{chainlet=${chainlet}}) + sum(chains_run_remote_queued{chainlet=${chainlet}})`,
      threshold: String(compute(target).concurrency),
    },
  };
}

function cpuTrigger(): ScaledObject["spec"]["triggers"][number] {
  return { type: "cpu", metricType: "Utilization", metadata: { value: String(CPU_TARGET_PERCENT) } };
}

/** The HTTP add-on's scaler, which counts the calls its interceptor holds and forwards for the route. */
function interceptorTrigger(target: ScaleTarget): ScaledObject["spec"]["triggers"][number] {
  return { type: "external-push", metadata: { scalerAddress: KEDA_HTTP.scalerAddress, interceptorRoute: target.name } };
}

function interceptorRoute(target: ScaleTarget): InterceptorRoute {
  return scalingObject("http.keda.sh/v1beta1", "InterceptorRoute", target, {
    target: { service: target.name, port: CONTAINER_PORT },
    rules: [{ hosts: [interceptorServiceName(target.name)] }],
    scalingMetric: { concurrency: { targetValue: compute(target).concurrency } },
  });
}

/** A name in the chain's namespace for the interceptor, so callers' requests carry the route's host. */
function interceptorService(target: ScaleTarget): Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: interceptorServiceName(target.name), labels: target.labels },
    spec: { type: "ExternalName", externalName: KEDA_HTTP.interceptor },
  };
}
