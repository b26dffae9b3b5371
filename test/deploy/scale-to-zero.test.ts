import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import type { ChainIR } from "../../compiler/chain-ir.js";
import { compileChain } from "../../compiler/compile-chain.js";
import { emitDeployments, type DeployOptions } from "../../emitters/deploy/emit-deployments.js";
import { richIR } from "./fixture-irs.js";
import { typeCheckManifests, validateWithModels, type ManifestObject } from "./kubernetes-schema-check.js";

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are read back as untyped YAML on purpose */
type Obj = ManifestObject & { metadata: { name: string; labels?: Record<string, string> }; spec?: any; data?: Record<string, string> };

/** The rich chain with its two dependencies allowed to scale to zero (the entrypoint keeps two replicas). */
function zeroIR(): ChainIR {
  const ir = richIR();
  for (const chainlet of ir.chainlets.filter((c) => !c.isEntrypoint)) {
    chainlet.config.compute.minReplicas = 0;
    chainlet.config.compute.maxReplicas = 3;
  }
  return ir;
}

function objects(ir: ChainIR, options?: DeployOptions): Obj[] {
  return emitDeployments(ir, options)
    .filter((file) => file.path.startsWith("k8s/") && !file.path.endsWith("kustomization.yaml"))
    .flatMap((file) => parseAllDocuments(String(file.contents)).map((doc) => doc.toJS() as Obj));
}

const byKind = (all: Obj[], kind: string) => all.filter((object) => object.kind === kind);
const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

describe("Chainlets with minReplicas 0 scale through the KEDA HTTP add-on", () => {
  const ir = zeroIR();
  const all = objects(ir);
  const deployments = byKind(all, "Deployment");
  const services = byKind(all, "Service");
  const routes = byKind(all, "InterceptorRoute");
  const scaled = byKind(all, "ScaledObject");

  it("emit valid core and KEDA objects (kubernetes-types with tsc, kubernetes-models, @kubernetes-models/keda)", () => {
    const checkable = all.filter((object) => object.kind !== "InterceptorRoute");
    expect(typeCheckManifests(checkable)).toEqual([]);
    expect(validateWithModels(checkable)).toEqual([]);
  });

  it("give each zero-scaled Chainlet a ScaledObject from 0 on the add-on's scaler, and no HPA", () => {
    expect(byKind(all, "HorizontalPodAutoscaler")).toEqual([]);
    expect(scaled).toHaveLength(2);
    expect(routes).toHaveLength(2);
    for (const object of scaled) {
      expect(object.spec).toMatchObject({ minReplicaCount: 0, maxReplicaCount: 3 });
      expect(object.spec.triggers).toEqual([
        { type: "external-push", metadata: { scalerAddress: "keda-add-ons-http-external-scaler.keda:9090", interceptorRoute: object.metadata.name } },
      ]);
      expect(routes.map((r) => r.metadata.name)).toContain(object.metadata.name);
      const deployment = deployments.find((d) => d.metadata.name === object.spec.scaleTargetRef.name)!;
      expect(deployment.spec.replicas).toBeUndefined();
    }
  });

  it("route every caller through the interceptor to a Service that selects the Chainlet's pods", () => {
    const entry = ir.chainlets.find((c) => c.isEntrypoint)!;
    const configMap = byKind(all, "ConfigMap").find((c) => c.metadata.labels?.["app.kubernetes.io/component"] === "entrypoint")!;
    const wiring = JSON.parse(configMap.data!.CHAINS_DEPENDENCIES!) as Record<string, string>;
    expect(Object.keys(wiring).sort()).toEqual([...entry.dependencies].sort());
    for (const url of Object.values(wiring)) {
      const { hostname, port } = new URL(url);
      expect(port).toBe("8080");
      // The name callers use is an ExternalName for the interceptor ...
      const proxy = services.find((s) => s.metadata.name === hostname)!;
      expect(proxy.spec).toEqual({ type: "ExternalName", externalName: "keda-add-ons-http-interceptor-proxy.keda.svc.cluster.local" });
      expect(hostname.length).toBeLessThanOrEqual(63);
      // ... and the Host it sends is the one a route answers for, forwarding to the Chainlet's own Service.
      const route = routes.find((r) => r.spec.rules[0].hosts.includes(hostname))!;
      expect(route.apiVersion).toBe("http.keda.sh/v1beta1");
      const target = services.find((s) => s.metadata.name === route.spec.target.service)!;
      expect(target.spec.type).toBe("ClusterIP");
      expect(target.spec.ports.map((p: any) => p.port)).toContain(route.spec.target.port);
      expect(route.spec.scalingMetric).toEqual({ concurrency: { targetValue: 32 } });
      const selected = deployments.filter((d) => matches(target.spec.selector, d.spec.template.metadata.labels));
      expect(selected.map((d) => d.metadata.name)).toEqual([route.metadata.name]);
    }
  });

  it("let the interceptor's namespace reach a zero-scaled Chainlet on its service port", () => {
    for (const route of routes) {
      const deployment = deployments.find((d) => d.metadata.name === route.metadata.name)!;
      const policy = byKind(all, "NetworkPolicy").find((p) => p.metadata.name === route.metadata.name)!;
      expect(matches(policy.spec.podSelector.matchLabels, deployment.spec.template.metadata.labels)).toBe(true);
      expect(policy.spec.ingress).toContainEqual({
        from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "keda" } } }],
        ports: [{ protocol: "TCP", port: 8080 }],
      });
    }
  });

  it("refuses an autoscaler that cannot wake a Chainlet from zero, saying why and what to choose (CH1441)", () => {
    expect(() => emitDeployments(zeroIR(), { autoscaler: "hpa" })).toThrow(
      /^CH1441: Chainlet "text-embedder" has compute\.minReplicas 0, which --autoscaler hpa cannot wake from: an HPA never scales below one replica\. Use --autoscaler keda-http/,
    );
    expect(() => emitDeployments(zeroIR(), { autoscaler: "keda" })).toThrow(/CH1441: .*--autoscaler keda cannot wake from: KEDA's Prometheus and CPU triggers measure the Chainlet's own pods/);
  });

  it("with --autoscaler keda-http, scales Chainlets that keep a replica through the interceptor too", () => {
    const ir = richIR();
    const keep = objects(ir, { autoscaler: "keda-http" });
    const route = byKind(keep, "InterceptorRoute");
    expect(route).toHaveLength(1);
    expect(byKind(keep, "ScaledObject")[0]!.spec).toMatchObject({ minReplicaCount: 1, maxReplicaCount: 4 });
    // The default stays an HPA on CPU.
    expect(byKind(objects(richIR()), "HorizontalPodAutoscaler")).toHaveLength(1);
    expect(byKind(objects(richIR()), "InterceptorRoute")).toHaveLength(0);
  });
});

describe("from source to manifests", () => {
  const scratch = mkdtempSync(join(fileURLToPath(new URL(".", import.meta.url)), "tmp-scale-to-zero-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("compiles a dependency with minReplicas 0 and emits it behind the interceptor, the entrypoint with an HPA", () => {
    const entry = join(scratch, "chain.ts");
    // The CH1212 fixture's chain, with the entrypoint keeping one replica.
    const source = readFileSync(fileURLToPath(new URL("../../fixtures/diagnostics/ch1212-entrypoint-at-zero/chain.ts", import.meta.url)), "utf8");
    writeFileSync(entry, source.replace("compute: { minReplicas: 0, maxReplicas: 2 }", "compute: { minReplicas: 1, maxReplicas: 2 }"));
    const { ir, diagnostics } = compileChain(entry);
    expect(diagnostics).toEqual([]);
    expect(ir!.chainlets.find((c) => c.name === "worker")!.config.compute).toMatchObject({ minReplicas: 0, maxReplicas: 4 });
    const all = objects(ir!);
    expect(byKind(all, "InterceptorRoute").map((r) => r.spec.target.service)).toEqual([expect.stringMatching(/-worker$/)]);
    expect(byKind(all, "HorizontalPodAutoscaler").map((h) => h.spec.scaleTargetRef.name)).toEqual([expect.stringMatching(/-front$/)]);
  });
});
