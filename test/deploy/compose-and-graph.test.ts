import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Document, parse } from "yaml";
import type { ChainIR } from "../../compiler/chain-ir.js";
import { emitDeployments, renderGraph } from "../../emitters/deploy/emit-deployments.js";
import { memoryBytes } from "../../emitters/deploy/emit-compose.js";
import { helloIR, richIR } from "./fixture-irs.js";

/* eslint-disable @typescript-eslint/no-explicit-any -- the Compose file is read back as untyped YAML on purpose */

function emitted(ir: ChainIR, path: string): string {
  const file = emitDeployments(ir).find((candidate) => candidate.path === path);
  if (!file) throw new Error(`${path} not emitted`);
  return String(file.contents);
}

describe.each([
  ["hello", helloIR],
  ["rich", richIR],
])("docker-compose.yml of %s", (_name, makeIR) => {
  const ir = makeIR();
  const composeText = emitted(ir, "docker-compose.yml");
  const compose = parse(composeText) as { services: Record<string, any>; secrets: Record<string, any> };
  const envExample = emitted(ir, "chain.env.example");
  const serviceOf = (chainlet: string) =>
    Object.entries(compose.services).find(([, service]) => service.labels["dev.tschains.chainlet"] === chainlet)!;

  it("has one service per Chainlet, built from its context", () => {
    expect(Object.keys(compose.services)).toHaveLength(ir.chainlets.length);
    for (const chainlet of ir.chainlets) {
      const [name, service] = serviceOf(chainlet.name);
      expect(name).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(service.build.context).toBe(`chainlets/${chainlet.name}`);
    }
  });

  it("publishes only the entrypoint, on 127.0.0.1 unless told otherwise", () => {
    for (const chainlet of ir.chainlets) {
      const [, service] = serviceOf(chainlet.name);
      if (chainlet.isEntrypoint) expect(service.ports).toEqual(["${CHAINS_BIND_ADDRESS:-127.0.0.1}:${CHAINS_PORT:-8080}:8080"]);
      else expect(service.ports).toBeUndefined();
    }
  });

  it("wires dependencies by service name and starts a Chainlet only once its dependencies are healthy", () => {
    for (const chainlet of ir.chainlets) {
      const [, service] = serviceOf(chainlet.name);
      const wiring = JSON.parse(service.environment.CHAINS_DEPENDENCIES.replace(/\$\$/g, "$")) as Record<string, string>;
      expect(Object.keys(wiring).sort()).toEqual([...chainlet.dependencies].sort());
      for (const [dependency, url] of Object.entries(wiring)) {
        const [dependencyService] = serviceOf(dependency);
        expect(url).toBe(`http://${dependencyService}:8080`);
        expect(service.depends_on[dependencyService]).toEqual({ condition: "service_healthy" });
      }
      expect(service.healthcheck.test.slice(0, 2)).toEqual(["CMD", "node"]);
      expect(service.healthcheck.test.join(" ")).toContain("/readyz");
    }
  });

  it("mounts the token, API keys and each Chainlet's own secrets as Compose secrets, never as environment values", () => {
    const declared = compose.secrets as Record<string, { file: string }>;
    for (const secret of Object.values(declared)) expect(secret.file).toMatch(/^\$\{CHAINS_SECRETS_PATH:\?[^}]*\}\/[A-Za-z0-9_.-]+$/);
    for (const chainlet of ir.chainlets) {
      const [, service] = serviceOf(chainlet.name);
      const mounts = service.secrets as { source: string; target: string }[];
      const expected = ["auth-token", ...(chainlet.isEntrypoint ? ["api-keys"] : []), ...chainlet.config.assets.secretKeys.map((key) => `secret-${key}`)];
      expect(mounts.map((m) => m.source).sort()).toEqual(expected.sort());
      for (const key of chainlet.config.assets.secretKeys) {
        expect(mounts.find((m) => m.source === `secret-${key}`)!.target).toBe(`${service.environment.CHAINS_SECRETS_DIR}/${key}`);
      }
      expect(service.environment.CHAINS_AUTH_TOKEN_FILE).toBe(mounts.find((m) => m.source === "auth-token")!.target);
      expect(service.environment.CHAINS_API_KEYS_FILE).toBe(chainlet.isEntrypoint ? mounts.find((m) => m.source === "api-keys")!.target : undefined);
      expect(Object.keys(service.environment).filter((key) => /^CHAINS_(AUTH_TOKEN|API_KEYS|SECRET_)/.test(key) && !key.endsWith("_FILE"))).toEqual([]);
    }
    const referenced = new Set([...composeText.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((match) => match[1]));
    const documented = new Set([...envExample.matchAll(/^([A-Z_][A-Z0-9_]*)=/gm)].map((match) => match[1]));
    expect([...referenced].sort()).toEqual([...documented].sort());
    expect(envExample).not.toMatch(/TOKEN=|KEYS=|SECRET_/);
  });

  it("gives every service its compute as CPU and memory limits and reservations, and GPUs as a device reservation", () => {
    for (const chainlet of ir.chainlets) {
      const [, service] = serviceOf(chainlet.name);
      const { cpu, memory, gpu, gpuCount } = chainlet.config.compute;
      const amount = { cpus: String(cpu), memory: String(memoryBytes(memory)) };
      expect(service.deploy.resources.limits).toEqual(amount);
      expect(service.deploy.resources.reservations).toEqual({ ...amount, ...(gpu ? { devices: [{ driver: "nvidia", count: gpuCount, capabilities: ["gpu"] }] } : {}) });
    }
    expect(memoryBytes("512Mi")).toBe(536870912);
    expect(memoryBytes("1.5G")).toBe(1.5e9);
  });

  it("keeps a literal $ in a plain variable literal", () => {
    for (const chainlet of ir.chainlets) {
      const [, service] = serviceOf(chainlet.name);
      for (const [key, value] of Object.entries(chainlet.config.options.env)) {
        expect(service.environment[key]).toBe(value.replace(/\$/g, "$$$$"));
      }
    }
  });

  it("is the text of one YAML document of its services and secrets, whether or not services were printed by an earlier build", () => {
    /** The file printed again as one document of what it holds, with the same comment. */
    const asOneDocument = (text: string) => {
      const whole = new Document(parse(text));
      whole.commentBefore = text.slice(0, text.indexOf("\n\n")).split("\n").map((line) => line.slice(1)).join("\n");
      return whole.toString({ lineWidth: 0 });
    };
    expect(composeText).toBe(asOneDocument(composeText));
    // Kept texts (`chains serve --watch`), then one Chainlet with a new image tag and values printed as a block and quoted.
    const printed = new Map<string, string>();
    const composeOf = (chain: ChainIR) => String(emitDeployments(chain, {}, printed).find((file) => file.path === "docker-compose.yml")!.contents);
    expect(composeOf(ir)).toBe(composeText);
    expect(composeOf(ir)).toBe(composeText);
    const changed = structuredClone(ir);
    changed.chainlets[0]!.buildId = "0123456789abcdef";
    changed.chainlets[0]!.config.options.env = { MOTD: "first line\n  second: indented\n\nafter a blank line\n", QUOTED: " lead'ing" };
    const changedText = composeOf(changed);
    expect(changedText).toBe(asOneDocument(changedText));
    expect(changedText).toBe(emitted(changed, "docker-compose.yml"));
    expect(changedText).toContain("MOTD: |");
    expect(changedText).toContain(":0123456789abcdef\n");
  });
});

describe("docker-compose config -q", () => {
  const available = spawnSync("docker-compose", ["version", "--short"], { encoding: "utf8" }).status === 0;
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  if (!available && process.env.CI !== "true") {
    console.warn("docker-compose is not installed: `docker-compose config` checks skipped (scripts/docker-engine.sh installs it)");
  }

  it.skipIf(!available && process.env.CI !== "true").each([
    ["hello", helloIR],
    ["rich", richIR],
  ])("accepts the %s chain (resources, GPU reservations, secrets) with the example env file, and names a missing secrets folder", (_name, makeIR) => {
    const ir = makeIR();
    const dir = mkdtempSync(join(tmpdir(), "tschains-compose-"));
    dirs.push(dir);
    for (const file of emitDeployments(ir)) {
      mkdirSync(dirname(join(dir, file.path)), { recursive: true });
      writeFileSync(join(dir, file.path), file.contents);
    }
    for (const chainlet of ir.chainlets) mkdirSync(join(dir, "chainlets", chainlet.name), { recursive: true });
    const config = (...args: string[]) =>
      spawnSync("docker-compose", ["-f", join(dir, "docker-compose.yml"), ...args, "config", "-q"], { encoding: "utf8", cwd: dir, env: { PATH: process.env.PATH } });
    const ok = config("--env-file", join(dir, "chain.env.example"));
    expect(ok.status, ok.stderr).toBe(0);
    const missing = config();
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(/CHAINS_SECRETS_PATH/);
  });
});

describe("graph.mmd", () => {
  it("draws every Chainlet with its compute, marks the entrypoint and labels edges with the options that matter", () => {
    const graph = renderGraph(richIR());
    expect(graph).toContain("flowchart LR");
    expect(graph).toContain('caller(["caller"])');
    expect(graph).toMatch(/c0\[\["Gateway<br\/>Gateway_API · entrypoint<br\/>0\.5 vCPU · 512Mi · 2 replicas"\]\]/);
    expect(graph).toContain("4 vCPU · 16Gi · 2× A100 · 1–4 replicas");
    expect(graph).toContain('c0 -->|"≤16 in flight · binary · stream"| c1');
    expect(graph).toContain("class c0 entrypoint");
    expect(renderGraph(helloIR())).toContain('c0 -->|"retries 2 · timeout 10s"| c1');
    expect(emitDeployments(helloIR()).find((f) => f.path === "graph.mmd")?.contents).toBe(renderGraph(helloIR()));
  });

  it("writes a quote in a display name as an entity, so labels stay well-formed", () => {
    const ir = helloIR();
    ir.chainlets[0]!.className = 'Say"Hi';
    expect(renderGraph(ir)).toContain("Say#quot;Hi");
  });
});
