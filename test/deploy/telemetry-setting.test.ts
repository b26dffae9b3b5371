import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { emitDeployments } from "../../emitters/deploy/emit-deployments.js";
import { chainObjectNames } from "../../emitters/deploy/emit-kubernetes.js";
import { helloIR, richIR } from "./fixture-irs.js";

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are read back as untyped YAML on purpose */

describe.each([
  ["hello", helloIR],
  ["rich", richIR],
])("one setting points the whole chain (%s) at an OpenTelemetry collector", (_name, makeIR) => {
  const ir = makeIR();
  const files = emitDeployments(ir);
  const text = (path: string) => String(files.find((file) => file.path === path)!.contents);

  it("Compose: every service reads OTEL_EXPORTER_OTLP_ENDPOINT from the env file, empty (off) by default", () => {
    const compose = parse(text("docker-compose.yml")) as { services: Record<string, any> };
    expect(Object.keys(compose.services)).toHaveLength(ir.chainlets.length);
    for (const service of Object.values(compose.services)) {
      expect(service.environment.OTEL_EXPORTER_OTLP_ENDPOINT).toBe("${OTEL_EXPORTER_OTLP_ENDPOINT:-}");
      expect(service.environment.OTEL_SERVICE_NAME).toBeUndefined();
    }
    expect(text("chain.env.example")).toMatch(/^OTEL_EXPORTER_OTLP_ENDPOINT=$/m);
  });

  it("Kubernetes: every Deployment takes it from one key of one optional chain-wide ConfigMap", () => {
    const deployments = files
      .filter((file) => file.path.startsWith("k8s/"))
      .flatMap((file) => parseAllDocuments(String(file.contents)).map((doc) => doc.toJS() as any))
      .filter((object) => object?.kind === "Deployment");
    expect(deployments).toHaveLength(ir.chainlets.length);
    for (const deployment of deployments) {
      const env = deployment.spec.template.spec.containers[0].env as any[];
      expect(env.find((each) => each.name === "OTEL_EXPORTER_OTLP_ENDPOINT")).toEqual({
        name: "OTEL_EXPORTER_OTLP_ENDPOINT",
        valueFrom: { configMapKeyRef: { name: chainObjectNames(ir).telemetry, key: "OTEL_EXPORTER_OTLP_ENDPOINT", optional: true } },
      });
    }
  });
});
