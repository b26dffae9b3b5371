import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import type { ChainIR } from "../../compiler/chain-ir.js";
import type { EmittedFile } from "../../emitters/emitted-file.js";
import { emitDeployments, type DeployOptions } from "../../emitters/deploy/emit-deployments.js";
import { chainObjectNames } from "../../emitters/deploy/emit-kubernetes.js";
import { helloIR, richIR } from "./fixture-irs.js";
import { typeCheckManifests, validateWithModels, type ManifestObject } from "./kubernetes-schema-check.js";

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are read back as untyped YAML on purpose */
type Obj = ManifestObject & { metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: any; data?: Record<string, string> };

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function manifests(ir: ChainIR, options?: DeployOptions): { files: EmittedFile[]; objects: Obj[]; kustomization: any } {
  const files = emitDeployments(ir, options).filter((file) => file.path.startsWith("k8s/"));
  const objects: Obj[] = [];
  let kustomization: any;
  for (const file of files) {
    const docs = parseAllDocuments(String(file.contents));
    for (const doc of Array.isArray(docs) ? docs : [docs]) {
      expect(doc.errors, file.path).toEqual([]);
      const value = doc.toJS() as Obj;
      if (value.kind === "Kustomization") kustomization = value;
      else objects.push(value);
    }
  }
  return { files, objects, kustomization };
}

const byKind = (objects: Obj[], kind: string) => objects.filter((object) => object.kind === kind);
const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

const cases: [string, () => ChainIR, DeployOptions][] = [
  ["hello, defaults", helloIR, {}],
  ["rich chain, ingress, registry and tag", richIR, { expose: "ingress", registry: "ghcr.io/acme/", tag: "v1.2.3" }],
  ["rich chain, not exposed", richIR, { expose: "none" }],
  [
    "rich chain, ingress with host, TLS and cert-manager, KEDA",
    richIR,
    { expose: "ingress", host: "api.example.com", tlsSecret: "api-cert", certIssuer: "letsencrypt", autoscaler: "keda", ingressNamespace: "edge" },
  ],
];

/**
 * Does any NetworkPolicy that selects the target pod admit a connection from `from` to `port`?
 * NetworkPolicy semantics: a pod selected by no policy is open; otherwise the union of the selecting
 * policies' rules; a rule without `from` admits every source; a `podSelector` peer means the policy's own
 * namespace; a `namespaceSelector` peer matches the namespace's `kubernetes.io/metadata.name` label.
 */
function admits(policies: Obj[], to: Record<string, string>, port: number, from: { labels: Record<string, string>; namespace: string }): boolean {
  const selecting = policies.filter((policy) => matches(policy.spec.podSelector.matchLabels ?? {}, to));
  if (selecting.length === 0) return true;
  const sameNamespace = from.namespace === "chain";
  return selecting.some((policy) =>
    (policy.spec.ingress ?? []).some(
      (rule: any) =>
        (rule.ports ?? [{ port }]).some((p: any) => p.port === port) &&
        (rule.from === undefined ||
          rule.from.some((peer: any) =>
            peer.podSelector
              ? sameNamespace && matches(peer.podSelector.matchLabels ?? {}, from.labels)
              : peer.namespaceSelector && matches(peer.namespaceSelector.matchLabels ?? {}, { "kubernetes.io/metadata.name": from.namespace }),
          )),
    ),
  );
}

describe.each(cases)("Kubernetes manifests: %s", (_label, makeIR, options) => {
  const ir = makeIR();
  const { files, objects, kustomization } = manifests(ir, options);

  it("type-check against kubernetes-types with tsc (unknown fields and wrong types are errors)", () => {
    expect(typeCheckManifests(objects)).toEqual([]);
  });

  it("validate against the Kubernetes OpenAPI schemas (kubernetes-models)", () => {
    expect(validateWithModels(objects)).toEqual([]);
  });

  it("use DNS-1123 names everywhere, unique per kind", () => {
    for (const object of objects) {
      const name = object.metadata.name;
      const rule = object.kind === "Service" || object.kind === "Deployment" ? DNS_LABEL : DNS_SUBDOMAIN;
      expect(name, `${object.kind} ${name}`).toMatch(rule);
      expect(name.length).toBeLessThanOrEqual(object.kind === "Service" || object.kind === "Deployment" ? 63 : 253);
      for (const value of Object.values(object.metadata.labels ?? {})) expect(value.length).toBeLessThanOrEqual(63);
    }
    for (const kind of ["ConfigMap", "Deployment", "Service", "HorizontalPodAutoscaler", "Ingress", "NetworkPolicy", "PodDisruptionBudget", "ScaledObject"]) {
      const names = byKind(objects, kind).map((object) => object.metadata.name);
      expect(new Set(names).size, kind).toBe(names.length);
    }
  });

  it("list every manifest file in kustomization.yaml, and nothing else", () => {
    const listed = [...kustomization.resources].sort();
    const written = files.map((file) => file.path.slice("k8s/".length)).filter((path) => path !== "kustomization.yaml").sort();
    expect(listed).toEqual(written);
  });

  it("give every Chainlet one Deployment whose selector picks its own pods and no other Deployment's", () => {
    const deployments = byKind(objects, "Deployment");
    expect(deployments).toHaveLength(ir.chainlets.length);
    for (const deployment of deployments) {
      const selector = deployment.spec.selector.matchLabels;
      expect(matches(selector, deployment.spec.template.metadata.labels)).toBe(true);
      const others = deployments.filter((other) => other !== deployment && matches(selector, other.spec.template.metadata.labels));
      expect(others).toEqual([]);
    }
  });

  it("route each Service to exactly one Deployment, on a port its container declares", () => {
    for (const service of byKind(objects, "Service")) {
      const targets = byKind(objects, "Deployment").filter((deployment) =>
        matches(service.spec.selector, deployment.spec.template.metadata.labels),
      );
      expect(targets, service.metadata.name).toHaveLength(1);
      const containerPorts = targets[0]!.spec.template.spec.containers.flatMap((container: any) => container.ports);
      for (const port of service.spec.ports) {
        expect(containerPorts.some((p: any) => p.name === port.targetPort || p.containerPort === port.targetPort)).toBe(true);
      }
    }
  });

  it("wire CHAINS_DEPENDENCIES to the ClusterIP Service and port of every dependency", () => {
    const services = byKind(objects, "Service").filter((service) => service.spec.type === "ClusterIP");
    for (const chainlet of ir.chainlets) {
      const deployment = byKind(objects, "Deployment").find(
        (d) => d.spec.template.metadata.labels["app.kubernetes.io/component"] === (chainlet.isEntrypoint ? "entrypoint" : "chainlet") &&
          d.spec.template.spec.containers[0].image.includes(chainlet.name.toLowerCase().replace(/_/g, "-").slice(0, 20)),
      )!;
      const configMapName = deployment.spec.template.spec.containers[0].envFrom[0].configMapRef.name;
      const configMap = byKind(objects, "ConfigMap").find((c) => c.metadata.name === configMapName);
      expect(configMap, configMapName).toBeDefined();
      const wiring = JSON.parse(configMap!.data!.CHAINS_DEPENDENCIES!) as Record<string, string>;
      expect(Object.keys(wiring).sort()).toEqual([...chainlet.dependencies].sort());
      for (const url of Object.values(wiring)) {
        const { hostname, port } = new URL(url);
        const service = services.find((s) => s.metadata.name === hostname);
        expect(service, url).toBeDefined();
        expect(service!.spec.ports.map((p: any) => String(p.port))).toContain(port);
      }
    }
  });

  it("refer to Secrets for the token and secret keys without ever containing a value", () => {
    const names = chainObjectNames(ir);
    expect(byKind(objects, "Secret")).toEqual([]);
    for (const deployment of byKind(objects, "Deployment")) {
      const pod = deployment.spec.template.spec;
      const container = pod.containers[0];
      const token = container.env.find((e: any) => e.name === "CHAINS_AUTH_TOKEN");
      expect(token.valueFrom.secretKeyRef).toEqual({ name: names.authSecret, key: "token" });
      expect(container.env.every((e: any) => e.value === undefined)).toBe(true);
      const secretVolume = (pod.volumes ?? []).find((v: any) => v.secret);
      const chainlet = ir.chainlets.find((c) => container.image.includes(c.name.toLowerCase().replace(/_/g, "-").slice(0, 20)))!;
      if (chainlet.config.assets.secretKeys.length === 0) {
        expect(secretVolume).toBeUndefined();
        continue;
      }
      expect(secretVolume.secret.secretName).toBe(names.secrets);
      expect(secretVolume.secret.items.map((item: any) => item.key)).toEqual(chainlet.config.assets.secretKeys);
      const mount = container.volumeMounts.find((m: any) => m.name === secretVolume.name);
      const configMap = byKind(objects, "ConfigMap").find((c) => c.metadata.name === container.envFrom[0].configMapRef.name)!;
      expect(configMap.data!.CHAINS_SECRETS_DIR).toBe(mount.mountPath);
      expect(mount.readOnly).toBe(true);
    }
  });

  it("run as non-root on a read-only root filesystem, drain within the grace period, probe the health routes", () => {
    for (const deployment of byKind(objects, "Deployment")) {
      const pod = deployment.spec.template.spec;
      const container = pod.containers[0];
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
      expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
      expect(container.volumeMounts.some((m: any) => m.mountPath === "/tmp")).toBe(true);
      const configMap = byKind(objects, "ConfigMap").find((c) => c.metadata.name === container.envFrom[0].configMapRef.name)!;
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(Number(configMap.data!.CHAINS_SHUTDOWN_TIMEOUT_SEC));
      expect(configMap.data!.HOST).toBe("0.0.0.0");
      expect(Number(configMap.data!.PORT)).toBe(container.ports[0].containerPort);
      expect(container.livenessProbe.httpGet.path).toBe("/healthz");
      expect(container.readinessProbe.httpGet.path).toBe("/readyz");
    }
  });

  it("size each Deployment from compute, with GPUs as nvidia.com/gpu and a GPU node selector", () => {
    for (const chainlet of ir.chainlets) {
      const deployment = byKind(objects, "Deployment").find((d) =>
        d.spec.template.spec.containers[0].image.includes(chainlet.name.toLowerCase().replace(/_/g, "-").slice(0, 20)),
      )!;
      const pod = deployment.spec.template.spec;
      const { requests, limits } = pod.containers[0].resources;
      const compute = chainlet.config.compute;
      expect(requests.memory).toBe(compute.memory);
      expect(requests).toEqual(limits);
      expect(requests.cpu).toBe(Number.isInteger(compute.cpu) ? String(compute.cpu) : `${compute.cpu * 1000}m`);
      if (compute.gpu) {
        expect(requests["nvidia.com/gpu"]).toBe(String(compute.gpuCount));
        expect(Object.values(pod.nodeSelector)).toEqual([compute.gpu]);
      } else {
        expect(requests["nvidia.com/gpu"]).toBeUndefined();
        expect(pod.nodeSelector).toBeUndefined();
      }
      const hpa = byKind(objects, options.autoscaler === "keda" ? "ScaledObject" : "HorizontalPodAutoscaler").find((h) => h.spec.scaleTargetRef.name === deployment.metadata.name);
      if (compute.maxReplicas > compute.minReplicas) {
        const [min, max] = options.autoscaler === "keda" ? ["minReplicaCount", "maxReplicaCount"] : ["minReplicas", "maxReplicas"];
        expect(hpa?.spec).toMatchObject({ [min]: compute.minReplicas, [max]: compute.maxReplicas });
        expect(hpa!.spec.scaleTargetRef).toMatchObject({ kind: "Deployment", apiVersion: "apps/v1" });
        expect(deployment.spec.replicas).toBeUndefined();
      } else {
        expect(hpa).toBeUndefined();
        expect(deployment.spec.replicas).toBe(compute.minReplicas);
      }
    }
  });

  it("name images <registry>/<chain>-<chainlet>:<tag>", () => {
    for (const deployment of byKind(objects, "Deployment")) {
      const image: string = deployment.spec.template.spec.containers[0].image;
      const prefix = options.registry ? `${options.registry.replace(/\/$/, "")}/` : "";
      expect(image.startsWith(prefix)).toBe(true);
      if (options.tag) expect(image.endsWith(`:${options.tag}`)).toBe(true);
      else expect(image).toMatch(/:[0-9a-f]{16}$/);
      expect(image).not.toMatch(/:latest$/);
      expect(image.slice(prefix.length)).toMatch(/^[a-z0-9]+([._-][a-z0-9]+)*:[\w][\w.-]{0,127}$/);
    }
  });

  it("expose only the entrypoint outside the cluster, as asked", () => {
    const entry = byKind(objects, "Deployment").find((d) => d.spec.template.metadata.labels["app.kubernetes.io/component"] === "entrypoint")!;
    const publicServices = byKind(objects, "Service").filter((s) => s.spec.type !== "ClusterIP");
    const ingresses = byKind(objects, "Ingress");
    const expose = options.expose ?? "loadbalancer";
    expect(publicServices.length).toBe(expose === "loadbalancer" ? 1 : 0);
    expect(ingresses.length).toBe(expose === "ingress" ? 1 : 0);
    for (const service of publicServices) {
      expect(service.spec.type).toBe("LoadBalancer");
      expect(matches(service.spec.selector, entry.spec.template.metadata.labels)).toBe(true);
    }
    for (const ingress of ingresses) {
      const backend = ingress.spec.rules[0].http.paths[0].backend.service;
      const service = byKind(objects, "Service").find((s) => s.metadata.name === backend.name)!;
      expect(matches(service.spec.selector, entry.spec.template.metadata.labels)).toBe(true);
      expect(service.spec.ports.map((p: any) => p.port)).toContain(backend.port.number);
    }
  });
});

describe.each(cases)("Kubernetes production defaults: %s", (_label, makeIR, options) => {
  const ir = makeIR();
  const { objects } = manifests(ir, options);
  const deployments = byKind(objects, "Deployment");
  const podLabels = (chainlet: string) => {
    const deployment = deployments.find((d) => d.metadata.labels?.["app.kubernetes.io/name"] && d.spec.template.spec.containers[0].image.includes(`-${chainlet.toLowerCase().replace(/_/g, "-")}`));
    return deployment!.spec.template.metadata.labels as Record<string, string>;
  };
  const policies = byKind(objects, "NetworkPolicy");

  it("admits on a Chainlet's service port exactly the Chainlets that depend on it (NetworkPolicy against the graph)", () => {
    for (const target of ir.chainlets) {
      for (const caller of ir.chainlets) {
        const allowed = admits(policies, podLabels(target.name), 8080, { labels: podLabels(caller.name), namespace: "chain" });
        expect(allowed, `${caller.name} -> ${target.name}`).toBe(caller.dependencies.includes(target.name) || (target.isEntrypoint && (options.expose ?? "loadbalancer") === "loadbalancer"));
      }
      const stranger = { labels: { app: "debug-shell" }, namespace: "chain" };
      expect(admits(policies, podLabels(target.name), 8080, stranger)).toBe(target.isEntrypoint && (options.expose ?? "loadbalancer") === "loadbalancer");
      const controller = { labels: {}, namespace: options.ingressNamespace ?? "ingress-nginx" };
      expect(admits(policies, podLabels(target.name), 8080, controller)).toBe(target.isEntrypoint && options.expose !== "none");
      expect(admits(policies, podLabels(target.name), 9090, { labels: {}, namespace: "monitoring" })).toBe(true);
      expect(admits(policies, podLabels(target.name), 9090, { labels: podLabels(target.name), namespace: "chain" })).toBe(false);
    }
    const deny = policies.find((policy) => policy.metadata.name.endsWith("-default-deny"))!;
    expect(deny.spec).toEqual({ podSelector: { matchLabels: { "app.kubernetes.io/part-of": deployments[0]!.metadata.labels!["app.kubernetes.io/part-of"] } }, policyTypes: ["Ingress"] });
  });

  it("serves health and metrics on the ops port, probed there and annotated for Prometheus, never on a Service", () => {
    for (const deployment of deployments) {
      const container = deployment.spec.template.spec.containers[0];
      const ops = container.ports.find((p: any) => p.name === "ops");
      const configMap = byKind(objects, "ConfigMap").find((c) => c.metadata.name === container.envFrom[0].configMapRef.name)!;
      expect(configMap.data!.CHAINS_OPS_PORT).toBe(String(ops.containerPort));
      expect(deployment.spec.template.metadata.annotations["prometheus.io/port"]).toBe(String(ops.containerPort));
      for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) expect(container[probe].httpGet.port).toBe("ops");
    }
    for (const service of byKind(objects, "Service")) {
      for (const port of service.spec.ports) expect(port.targetPort).toBe("http");
    }
    for (const ingress of byKind(objects, "Ingress")) {
      expect(ingress.spec.rules.flatMap((rule: any) => rule.http.paths.map((path: any) => [path.path, path.pathType]))).toEqual([["/v1/run_remote", "Exact"]]);
    }
  });

  it("gives every Chainlet that can run more than one replica a PodDisruptionBudget that never blocks a drain", () => {
    const budgets = byKind(objects, "PodDisruptionBudget");
    const multi = ir.chainlets.filter((chainlet) => chainlet.config.compute.maxReplicas > 1);
    expect(budgets).toHaveLength(multi.length);
    for (const chainlet of multi) {
      const budget = budgets.find((b) => matches(b.spec.selector.matchLabels, podLabels(chainlet.name)))!;
      expect(budget.spec.maxUnavailable).toBe(1);
      expect(deployments.filter((d) => matches(budget.spec.selector.matchLabels, d.spec.template.metadata.labels))).toHaveLength(1);
    }
  });

  it("terminates TLS: an Ingress with a tls section (host, secret, cert-manager), a LoadBalancer on 443", () => {
    for (const ingress of byKind(objects, "Ingress")) {
      expect(ingress.spec.tls).toEqual([{ ...(options.host ? { hosts: [options.host] } : {}), secretName: options.tlsSecret ?? "9-rich-chain-tls".replace(/^9-/, "c-9-") }]);
      if (options.host) expect(ingress.spec.rules[0].host).toBe(options.host);
      expect(ingress.metadata.annotations?.["cert-manager.io/cluster-issuer"]).toBe(options.certIssuer);
    }
    for (const service of byKind(objects, "Service").filter((s) => s.spec.type === "LoadBalancer")) {
      expect(service.spec.ports.map((p: any) => p.port)).toEqual([443]);
    }
  });

  it("scales on CPU with an HPA, or with KEDA on in-flight calls against compute.concurrency", () => {
    const scaled = ir.chainlets.filter((chainlet) => chainlet.config.compute.maxReplicas > chainlet.config.compute.minReplicas);
    const keda = byKind(objects, "ScaledObject");
    const hpas = byKind(objects, "HorizontalPodAutoscaler");
    expect(options.autoscaler === "keda" ? keda : hpas).toHaveLength(scaled.length);
    expect(options.autoscaler === "keda" ? hpas : keda).toHaveLength(0);
    for (const chainlet of scaled.filter(() => options.autoscaler === "keda")) {
      const object = keda.find((k) => k.spec.triggers[0].metadata.query.includes(`chainlet="${chainlet.name}"`))!;
      expect(object.spec).toMatchObject({ minReplicaCount: chainlet.config.compute.minReplicas, maxReplicaCount: chainlet.config.compute.maxReplicas });
      expect(object.spec.triggers[0]).toMatchObject({ type: "prometheus", metadata: { threshold: String(chainlet.config.compute.concurrency) } });
      expect(object.spec.triggers[0].metadata.query).toContain("chains_run_remote_in_flight");
      expect(deployments.find((d) => d.metadata.name === object.spec.scaleTargetRef.name)!.spec.replicas).toBeUndefined();
    }
  });
});

describe("deploy options are checked before they reach a manifest", () => {
  it.each([
    [{ tag: "v1 ; rm" }, /--tag "v1 ; rm" is not valid/],
    [{ host: "api.example.com\nx: y" }, /--host/],
    [{ registry: "ghcr.io/Acme Corp" }, /--registry/],
    [{ expose: "ingress" as const, certIssuer: "letsencrypt" }, /--cert-issuer needs --host/],
    [{ prometheusUrl: "javascript:alert(1)" }, /--prometheus-url/],
  ])("refuses %j with CH1440", (options, message) => {
    expect(() => emitDeployments(helloIR(), options)).toThrow(message);
    expect(() => emitDeployments(helloIR(), options)).toThrow(/^CH1440/);
  });
});

describe("Kubernetes manifest checks can fail", () => {
  it("tsc rejects an unknown field and a wrong type; kubernetes-models rejects a non-integer port", () => {
    const { objects } = manifests(helloIR());
    const unknownField = structuredClone(byKind(objects, "Deployment")[0]!);
    unknownField.spec.replica = 3;
    const wrongType = structuredClone(byKind(objects, "Deployment")[0]!);
    wrongType.spec.template.spec.containers[0].ports[0].containerPort = "8080";
    const errors = typeCheckManifests([unknownField, wrongType]).join("\n");
    expect(errors).toMatch(/'"replica"' does not exist in type 'DeploymentSpec'/);
    expect(errors).toMatch(/string' is not assignable to type 'number'/);
    expect(validateWithModels([wrongType]).join("\n")).toMatch(/containerPort must be integer/);
    const scaled = structuredClone(byKind(manifests(richIR(), { autoscaler: "keda" }).objects, "ScaledObject")[0]!);
    expect(validateWithModels([scaled])).toEqual([]);
    scaled.spec.minReplicaCount = "1";
    expect(validateWithModels([scaled]).join("\n")).toMatch(/minReplicaCount must be integer/);
  });
});

describe("deployment output", () => {
  it("is byte-identical across runs", () => {
    for (const make of [helloIR, richIR]) {
      expect(emitDeployments(make(), { expose: "ingress" })).toEqual(emitDeployments(make(), { expose: "ingress" }));
    }
  });

  it("writes plain YAML with a header comment", () => {
    const file = emitDeployments(helloIR()).find((f) => f.path === "k8s/kustomization.yaml")!;
    expect(String(file.contents)).toMatch(/^# Generated by tschains/);
    expect(parse(String(file.contents))).toMatchObject({ kind: "Kustomization" });
  });
});
