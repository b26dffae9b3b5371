import { createHash } from "node:crypto";
import type { Deployment } from "kubernetes-types/apps/v1.js";
import type { HorizontalPodAutoscaler } from "kubernetes-types/autoscaling/v2.js";
import { autoscalerFor, autoscalerObjects, chainletUrl, KEDA_HTTP, type InterceptorRoute, type ScaledObject } from "./autoscalers.js";
import type { ConfigMap, EnvVar, Service, Toleration, Volume, VolumeMount } from "kubernetes-types/core/v1.js";
import type { Ingress, NetworkPolicy, NetworkPolicyIngressRule } from "kubernetes-types/networking/v1.js";
import type { PodDisruptionBudget } from "kubernetes-types/policy/v1.js";
import type { ChainIR, ChainletIR } from "../../compiler/chain-ir.js";
import { ENV, OTEL_ENV } from "../../runtime-node/protocol/env.js";
import { HEALTHZ_PATH, METRICS_PATH, READYZ_PATH, RUN_REMOTE_PATH } from "../../runtime-node/protocol/http.js";
import type { EmittedFile } from "../emitted-file.js";
import {
  CONTAINER_PORT,
  OPS_PORT,
  RUN_AS_UID,
  SECRETS_DIR,
  TERMINATION_GRACE_SECONDS,
  listenEnvironment,
} from "./container-contract.js";
import { imageName, resolveDeployOptions, serviceLabels, type DeployOptions, type ResolvedDeployOptions } from "./deploy-options.js";
import { toDnsLabel } from "./dns-label.js";
import { printYaml, type PrintedYaml } from "./print-yaml.js";
import { diagnosticMessage } from "../../compiler/diagnostic-messages.js";
import { SECRET_KEY_MAX, SECRET_KEY_PATTERN } from "../../compiler/remote-config-strings.js";
import { EmitError } from "../emit-error.js";

/** Every object kind the Kubernetes emitter writes, typed by `kubernetes-types` so tsc checks the fields. */
export type KubernetesObject =
  | ConfigMap
  | Deployment
  | Service
  | HorizontalPodAutoscaler
  | Ingress
  | NetworkPolicy
  | PodDisruptionBudget
  | ScaledObject
  | InterceptorRoute;

/** A kustomize entry point; not a Kubernetes API object, so it has no `kubernetes-types` type. */
export interface Kustomization {
  apiVersion: "kustomize.config.k8s.io/v1beta1";
  kind: "Kustomization";
  resources: string[];
}

export const K8S_DIR = "k8s";
/** Node label a GPU Chainlet is scheduled by: label GPU nodes with it, e.g. `tschains.dev/gpu=A100`. */
export const GPU_NODE_LABEL = "tschains.dev/gpu";
/** Keys of the chain's auth Secret (created by the user, see the README). */
export const AUTH_TOKEN_KEY = "token";
export const API_KEYS_KEY = "api-keys";
const HTTP_PORT_NAME = "http";
const OPS_PORT_NAME = "ops";

/** Names of the chain-wide objects the user creates or the manifests refer to. */
export interface ChainObjectNames {
  /** Secret with the internal token (`token`) and the entrypoint's API keys (`api-keys`). */
  authSecret: string;
  /** Secret with one key per `secretKeys` entry of any Chainlet. */
  secrets: string;
  /** Optional ConfigMap whose `OTEL_EXPORTER_OTLP_ENDPOINT` key sends every Chainlet's traces to a collector. */
  telemetry: string;
  /** Default TLS Secret of the Ingress (`--tls-secret` overrides it). */
  tlsSecret: string;
  /** NetworkPolicy that denies all ingress to the chain's pods unless a Chainlet's own policy allows it. */
  defaultDeny: string;
}

export function chainObjectNames(ir: ChainIR): ChainObjectNames {
  const chain = toDnsLabel(ir.name, 50);
  return { authSecret: `${chain}-auth`, secrets: `${chain}-secrets`, tlsSecret: `${chain}-tls`, defaultDeny: `${chain}-default-deny`, telemetry: `${chain}-telemetry` };
}

/** The manifests as objects, one group per file; `emitKubernetes` writes them as YAML. */
export interface KubernetesManifests {
  /** `comment` goes at the top of the file, after the generated-by line. */
  files: { path: string; objects: KubernetesObject[]; comment?: string }[];
  kustomization: Kustomization;
}

/**
 * Builds the Kubernetes manifests of the chain: a default-deny NetworkPolicy; per Chainlet a ConfigMap
 * with its wiring, a Deployment, a ClusterIP Service, a NetworkPolicy that admits only the Chainlets that
 * depend on it (the entrypoint: the exposure) and Prometheus on the ops port, and, when it can run more
 * than one replica, a PodDisruptionBudget and an autoscaler (HPA on CPU, or a KEDA ScaledObject on
 * in-flight calls); then how the entrypoint is reached from outside (`expose`). Secrets are only referred
 * to, never written.
 */
export function kubernetesManifests(ir: ChainIR, options: DeployOptions = {}): KubernetesManifests {
  const resolved = resolveDeployOptions(options);
  const services = serviceLabels(ir, toDnsLabel(ir.name, 40));
  const short = serviceLabels(ir, "");
  const chainLabel = toDnsLabel(ir.name);
  const names = chainObjectNames(ir);
  const files: KubernetesManifests["files"] = [
    {
      path: `${K8S_DIR}/network-policy.yaml`,
      objects: [defaultDenyPolicy(names.defaultDeny, chainLabel)],
      comment: " Needs a CNI that enforces NetworkPolicy (Calico, Cilium, ...); kubelet probes are not affected.",
    },
  ];
  for (const chainlet of ir.chainlets) {
    const context: ChainletContext = {
      ir,
      chainlet,
      name: services.get(chainlet.name)!,
      labels: {
        "app.kubernetes.io/name": short.get(chainlet.name)!,
        "app.kubernetes.io/part-of": chainLabel,
      },
      options: resolved,
      names,
      services,
      shortNames: short,
    };
    files.push({ path: `${K8S_DIR}/${chainlet.name}.yaml`, objects: chainletObjects(context) });
  }
  const entry = ir.chainlets.find((chainlet) => chainlet.isEntrypoint);
  if (entry && resolved.expose !== "none") {
    const labels = { "app.kubernetes.io/name": short.get(entry.name)!, "app.kubernetes.io/part-of": chainLabel };
    files.push({
      path: `${K8S_DIR}/expose-${resolved.expose}.yaml`,
      objects: [exposeObject(resolved, names, services.get(entry.name)!, labels)],
      ...(resolved.expose === "loadbalancer" ? { comment: LOADBALANCER_TLS_NOTE } : {}),
    });
  }
  return {
    files,
    kustomization: {
      apiVersion: "kustomize.config.k8s.io/v1beta1",
      kind: "Kustomization",
      resources: files.map((file) => file.path.slice(K8S_DIR.length + 1)),
    },
  };
}

/** `kubernetesManifests` as YAML files under `k8s/`, with a `kustomization.yaml` for `kubectl apply -k`. */
export function emitKubernetes(ir: ChainIR, options: DeployOptions = {}, printed?: PrintedYaml): EmittedFile[] {
  const manifests = kubernetesManifests(ir, options);
  const header = ` Generated by tschains for chain "${ir.displayName}": rebuild instead of editing.`;
  const emitted: EmittedFile[] = manifests.files.map((file) => ({
    path: file.path,
    contents: file.objects.map((object, i) => printYaml(object, i === 0 ? header + (file.comment ? `\n${file.comment}` : "") : undefined, printed)).join("---\n"),
  }));
  emitted.push({ path: `${K8S_DIR}/kustomization.yaml`, contents: printYaml(manifests.kustomization, header, printed) });
  return emitted;
}

interface ChainletContext {
  ir: ChainIR;
  chainlet: ChainletIR;
  /** Name of its Deployment, Service, ConfigMap and autoscaler. */
  name: string;
  /** Selector labels: unique per Chainlet within the namespace. */
  labels: Record<string, string>;
  options: ResolvedDeployOptions;
  names: ChainObjectNames;
  services: Map<string, string>;
  /** Each Chainlet's `app.kubernetes.io/name` label. */
  shortNames: Map<string, string>;
}

function chainletObjects(context: ChainletContext): KubernetesObject[] {
  const { compute } = context.chainlet.config;
  const configMap = chainletConfigMap(context);
  const objects: KubernetesObject[] = [configMap, chainletDeployment(context, configMap), clusterService(context), networkPolicy(context)];
  if (compute.maxReplicas > 1) objects.push(disruptionBudget(context));
  objects.push(...autoscalerObjects({ chainlet: context.chainlet, name: context.name, labels: metadataLabels(context), options: context.options }));
  return objects;
}

function metadataLabels(context: ChainletContext): Record<string, string> {
  return {
    ...context.labels,
    "app.kubernetes.io/component": context.chainlet.isEntrypoint ? "entrypoint" : "chainlet",
    "app.kubernetes.io/managed-by": "tschains",
  };
}

function chainletConfigMap(context: ChainletContext): ConfigMap {
  const { chainlet } = context;
  const dependencies: Record<string, string> = {};
  for (const dependency of chainlet.dependencies) {
    const callee = context.ir.chainlets.find((candidate) => candidate.name === dependency)!;
    dependencies[dependency] = chainletUrl(callee, context.services.get(dependency)!, context.options);
  }
  // The user's plain variables first, so they cannot move the port or address the wiring relies on.
  const data: Record<string, string> = {
    ...Object.fromEntries(Object.entries(chainlet.config.options.env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    ...listenEnvironment(),
    [ENV.opsPort]: String(OPS_PORT),
    [ENV.dependencies]: JSON.stringify(dependencies),
  };
  if (chainlet.config.assets.secretKeys.length > 0) data[ENV.secretsDir] = SECRETS_DIR;
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: `${context.name}-env`, labels: metadataLabels(context) },
    data,
  };
}

function chainletDeployment(context: ChainletContext, configMap: ConfigMap): Deployment {
  const { chainlet } = context;
  const compute = chainlet.config.compute;
  const secretKeys = chainlet.config.assets.secretKeys;
  const env: EnvVar[] = [
    { name: ENV.authToken, valueFrom: { secretKeyRef: { name: context.names.authSecret, key: AUTH_TOKEN_KEY } } },
    { name: OTEL_ENV.endpoint, valueFrom: { configMapKeyRef: { name: context.names.telemetry, key: OTEL_ENV.endpoint, optional: true } } },
  ];
  if (chainlet.isEntrypoint) {
    env.push({
      name: ENV.apiKeys,
      valueFrom: { secretKeyRef: { name: context.names.authSecret, key: API_KEYS_KEY, optional: true } },
    });
  }
  const volumes: Volume[] = [{ name: "tmp", emptyDir: {} }];
  const mounts: VolumeMount[] = [{ name: "tmp", mountPath: "/tmp" }];
  if (secretKeys.length > 0) {
    volumes.push({
      name: "secrets",
      secret: {
        secretName: context.names.secrets,
        items: secretKeys.map((key) => ({ key, path: secretFileName(key, chainlet.name) })),
        defaultMode: 0o440,
      },
    });
    mounts.push({ name: "secrets", mountPath: SECRETS_DIR, readOnly: true });
  }
  const resources: Record<string, string> = { cpu: cpuQuantity(compute.cpu), memory: compute.memory };
  const tolerations: Toleration[] = [];
  let nodeSelector: Record<string, string> | undefined;
  if (compute.gpu) {
    resources["nvidia.com/gpu"] = String(compute.gpuCount);
    nodeSelector = { [GPU_NODE_LABEL]: compute.gpu };
    tolerations.push({ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" });
  }
  const autoscaled = compute.maxReplicas > compute.minReplicas;
  const probe = (path: string, periodSeconds: number, failureThreshold: number) => ({
    httpGet: { path, port: OPS_PORT_NAME },
    periodSeconds,
    timeoutSeconds: 3,
    failureThreshold,
  });
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: context.name, labels: metadataLabels(context) },
    spec: {
      // Under an autoscaler the replica count is its to set; a fixed value here would fight it on re-apply.
      ...(autoscaled ? {} : { replicas: compute.minReplicas }),
      selector: { matchLabels: context.labels },
      template: {
        metadata: {
          labels: metadataLabels(context),
          annotations: {
            // Pods roll when the wiring changes, which a ConfigMap update alone would not do.
            "tschains.dev/config-hash": createHash("sha256").update(JSON.stringify(configMap.data)).digest("hex").slice(0, 16),
            "prometheus.io/scrape": "true",
            "prometheus.io/port": String(OPS_PORT),
            "prometheus.io/path": METRICS_PATH,
          },
        },
        spec: {
          automountServiceAccountToken: false,
          // Service links would inject <SERVICE>_PORT variables that can shadow the runtime's own.
          enableServiceLinks: false,
          terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: RUN_AS_UID,
            runAsGroup: RUN_AS_UID,
            fsGroup: RUN_AS_UID,
            seccompProfile: { type: "RuntimeDefault" },
          },
          ...(nodeSelector ? { nodeSelector, tolerations } : {}),
          containers: [
            {
              name: context.labels["app.kubernetes.io/name"],
              image: imageName(context.ir, chainlet, context.options),
              imagePullPolicy: "IfNotPresent",
              ports: [
                { name: HTTP_PORT_NAME, containerPort: CONTAINER_PORT, protocol: "TCP" },
                { name: OPS_PORT_NAME, containerPort: OPS_PORT, protocol: "TCP" },
              ],
              envFrom: [{ configMapRef: { name: configMap.metadata!.name! } }],
              env,
              resources: { requests: resources, limits: { ...resources } },
              startupProbe: probe(HEALTHZ_PATH, 2, 60),
              livenessProbe: probe(HEALTHZ_PATH, 10, 3),
              readinessProbe: probe(READYZ_PATH, 5, 3),
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ["ALL"] },
              },
              volumeMounts: mounts,
            },
          ],
          volumes,
        },
      },
    },
  };
}

function clusterService(context: ChainletContext): Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: context.name, labels: metadataLabels(context) },
    spec: {
      type: "ClusterIP",
      selector: context.labels,
      ports: [{ name: HTTP_PORT_NAME, port: CONTAINER_PORT, targetPort: HTTP_PORT_NAME, protocol: "TCP" }],
    },
  };
}

/** Voluntary disruptions (node drains, upgrades) take at most one replica at a time, and never block. */
function disruptionBudget(context: ChainletContext): PodDisruptionBudget {
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name: context.name, labels: metadataLabels(context) },
    spec: { maxUnavailable: 1, selector: { matchLabels: context.labels } },
  };
}

function defaultDenyPolicy(name: string, chain: string): NetworkPolicy {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name, labels: { "app.kubernetes.io/part-of": chain, "app.kubernetes.io/managed-by": "tschains" } },
    spec: { podSelector: { matchLabels: { "app.kubernetes.io/part-of": chain } }, policyTypes: ["Ingress"] },
  };
}

/**
 * Who may open connections to a Chainlet: on the service port, the Chainlets that depend on it (and for
 * the entrypoint, the exposure: anyone behind a LoadBalancer, the ingress controller's namespace behind
 * an Ingress); on the ops port, Prometheus's namespace. Everything else falls under the default deny.
 */
function networkPolicy(context: ChainletContext): NetworkPolicy {
  const { ir, chainlet, options } = context;
  const servicePort = [{ protocol: "TCP", port: CONTAINER_PORT }];
  const rules: NetworkPolicyIngressRule[] = [];
  const callers = ir.chainlets.filter((candidate) => candidate.dependencies.includes(chainlet.name));
  if (callers.length > 0) {
    rules.push({
      from: callers.map((caller) => ({ podSelector: { matchLabels: chainletSelector(context, caller) } })),
      ports: servicePort,
    });
  }
  if (autoscalerFor(chainlet, options) === "keda-http") {
    // Its callers' requests arrive from the KEDA HTTP add-on's interceptor, which holds them while it wakes.
    rules.push({ from: [{ namespaceSelector: { matchLabels: namespaceLabel(KEDA_HTTP.namespace) } }], ports: servicePort });
  }
  if (chainlet.isEntrypoint && options.expose === "loadbalancer") rules.push({ ports: servicePort });
  if (chainlet.isEntrypoint && options.expose === "ingress") {
    rules.push({ from: [{ namespaceSelector: { matchLabels: namespaceLabel(options.ingressNamespace) } }], ports: servicePort });
  }
  rules.push({
    from: [{ namespaceSelector: { matchLabels: namespaceLabel(options.monitoringNamespace) } }],
    ports: [{ protocol: "TCP", port: OPS_PORT }],
  });
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: context.name, labels: metadataLabels(context) },
    spec: { podSelector: { matchLabels: context.labels }, policyTypes: ["Ingress"], ingress: rules },
  };
}

/** The label every namespace carries with its own name (Kubernetes 1.21+). */
function namespaceLabel(namespace: string): Record<string, string> {
  return { "kubernetes.io/metadata.name": namespace };
}

/** The selector labels of another Chainlet of the chain. */
function chainletSelector(context: ChainletContext, other: ChainletIR): Record<string, string> {
  return { ...context.labels, "app.kubernetes.io/name": context.shortNames.get(other.name)! };
}

const LOADBALANCER_TLS_NOTE =
  " Port 443 carries plain HTTP to the pods: TLS must end at the load balancer (e.g. AWS\n" +
  " service.beta.kubernetes.io/aws-load-balancer-ssl-cert, or your cloud's equivalent), or use --expose ingress.";

/**
 * Outside access to the entrypoint's service port, and to `/v1/run_remote` only (the ops routes are on
 * their own port anyway): a LoadBalancer on 443 (TLS terminated by the load balancer) or an Ingress with
 * a `tls` section, the host when given, and cert-manager's annotation when an issuer is named.
 */
function exposeObject(options: ResolvedDeployOptions, names: ChainObjectNames, service: string, selector: Record<string, string>): KubernetesObject {
  const labels = { ...selector, "app.kubernetes.io/managed-by": "tschains" };
  if (options.expose === "loadbalancer") {
    return {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: toDnsLabel(`${service}-public`), labels },
      spec: {
        type: "LoadBalancer",
        selector,
        ports: [{ name: "https", port: 443, targetPort: HTTP_PORT_NAME, protocol: "TCP" }],
      },
    };
  }
  const host = options.host;
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: {
      name: service,
      labels,
      ...(options.certIssuer ? { annotations: { "cert-manager.io/cluster-issuer": options.certIssuer } } : {}),
    },
    spec: {
      tls: [{ ...(host ? { hosts: [host] } : {}), secretName: options.tlsSecret ?? names.tlsSecret }],
      rules: [
        {
          ...(host ? { host } : {}),
          http: {
            paths: [{ path: RUN_REMOTE_PATH, pathType: "Exact", backend: { service: { name: service, port: { number: CONTAINER_PORT } } } }],
          },
        },
      ],
    },
  };
}

/** vCPUs as a Kubernetes quantity: whole numbers as they are, fractions in millicores (`0.5` → `500m`). */
export function cpuQuantity(cpu: number): string {
  return Number.isInteger(cpu) ? String(cpu) : `${Math.round(cpu * 1000)}m`;
}

/** A secret key as the file it is mounted as, re-checked (CH1225's rule): never `.`, `..` or a path. */
function secretFileName(key: string, chainlet: string): string {
  if (!SECRET_KEY_PATTERN.test(key) || key.length > SECRET_KEY_MAX) {
    throw new EmitError(diagnosticMessage("CH1452", "secretFileName", chainlet, JSON.stringify(key)));
  }
  return key;
}
