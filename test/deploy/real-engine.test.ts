import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildChain } from "../../api/build-chain.js";
import { exampleValue } from "../../cli/example-value.js";
import type { ChainIR, ChainletIR } from "../../compiler/chain-ir.js";
import { formatDiagnostics } from "../../compiler/diagnostics.js";
import { parse, parseAllDocuments } from "yaml";
import { emitDeployments } from "../../emitters/deploy/emit-deployments.js";
import { imageName, resolveDeployOptions } from "../../emitters/deploy/deploy-options.js";
import { memoryBytes } from "../../emitters/deploy/emit-compose.js";
import { secretEnvName } from "../../runtime-node/protocol/env.js";
import { docker, freePort, probeEngine, run, waitFor, dockerEnv } from "./docker-cli.js";

/*
 * Builds, runs and calls the emitted artifacts with a real Docker engine (scripts/docker-engine.sh):
 * every Chainlet image of every example chain, then whole chains under docker-compose. Containers are
 * reached only through ports published on 127.0.0.1.
 */

const repo = fileURLToPath(new URL("../../", import.meta.url));
const probe = probeEngine();
const RUN_ID = `t${process.pid}${randomBytes(3).toString("hex")}`;
const TAG = `test-${RUN_ID}`;
const TOKEN = randomBytes(16).toString("hex");
const API_KEY = `key-${randomBytes(8).toString("hex")}`;

const examples = [
  ...readdirSync(join(repo, "fixtures"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(repo, "fixtures", entry.name, "chain.ts")))
    .map((entry) => `fixtures/${entry.name}/chain.ts`),
  "test/deploy/fixtures/short-links/chain.ts",
];

/** fetch with a deadline: a published port whose process is not listening yet can hold a connection open. */
function http(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
}

interface BuiltChain {
  ir: ChainIR;
  chainDir: string;
}

describe("with a real Docker engine", () => {
  if (!probe.ok) {
    if (process.env.CI === "true") {
      it("needs a Docker engine under CI=true", () => {
        throw new Error(probe.reason);
      });
    } else {
      console.warn(`real-engine tests skipped: ${probe.reason}`);
      it.skip(`skipped: ${probe.reason}`, () => {});
    }
    return;
  }

  const outDir = mkdtempSync(join(tmpdir(), "tschains-deploy-"));
  const built = new Map<string, BuiltChain>();
  const images = new Set<string>();
  const composeProjects: { file: string; project: string; envFile: string }[] = [];

  beforeAll(async () => {
    for (const entry of examples) {
      const result = await buildChain(join(repo, entry), { outDir });
      if (!result.ok) throw new Error(`build of ${entry} failed:\n${formatDiagnostics(result.diagnostics, { cwd: repo, color: false })}`);
      const ir = JSON.parse(readFileSync(join(result.chainDir, "chain.json"), "utf8")) as ChainIR;
      // The build may already write these (with default options); the test's own tag keeps its images apart.
      for (const file of emitDeployments(ir, { tag: TAG })) {
        mkdirSync(dirname(join(result.chainDir, file.path)), { recursive: true });
        writeFileSync(join(result.chainDir, file.path), file.contents);
      }
      built.set(entry, { ir, chainDir: result.chainDir });
    }
  }, 600_000);

  afterAll(async () => {
    for (const { file, project, envFile } of composeProjects) {
      await run("docker-compose", ["-f", file, "-p", project, "--env-file", envFile, "down", "-v", "--rmi", "all", "--remove-orphans", "-t", "5"]);
    }
    const leftovers = (await run("docker", ["ps", "-aq", "--filter", `label=tschains-test=${RUN_ID}`])).stdout.split("\n").filter(Boolean);
    if (leftovers.length > 0) await run("docker", ["rm", "-f", ...leftovers]);
    if (images.size > 0) await run("docker", ["image", "rm", "-f", ...images]);
    rmSync(outDir, { recursive: true, force: true });
  }, 300_000);

  const imageOf = (ir: ChainIR, chainlet: ChainletIR) => imageName(ir, chainlet, resolveDeployOptions({ tag: TAG }));

  async function buildImage(chain: BuiltChain, chainlet: ChainletIR): Promise<string> {
    const context = join(chain.chainDir, "chainlets", chainlet.name);
    expect(existsSync(join(context, "Dockerfile")), `${context} has a Dockerfile`).toBe(true);
    const image = imageOf(chain.ir, chainlet);
    images.add(image);
    await docker(["build", "-q", "-t", image, context], { timeoutMs: 600_000 });
    return image;
  }

  describe.each(examples)("%s: every Chainlet image", (entry) => {
    it("builds, declares user, port, healthcheck and command, and serves on a port published on 127.0.0.1", async () => {
      const chain = built.get(entry)!;
      for (const chainlet of chain.ir.chainlets) {
        const image = await buildImage(chain, chainlet);
        const [inspected] = JSON.parse(await docker(["image", "inspect", image])) as [{ Config: ImageConfig }];
        const config = inspected.Config;
        expect(["", "root", "0", "0:0"], `${chainlet.name} runs as non-root`).not.toContain(config.User ?? "");
        expect(Object.keys(config.ExposedPorts ?? {})).toEqual(["8080/tcp"]);
        expect(config.Cmd).toEqual(["node", "server.mjs"]);
        const healthcheck = config.Healthcheck?.Test ?? [];
        expect(healthcheck.length, `${chainlet.name} has a HEALTHCHECK`).toBeGreaterThan(1);
        expect(healthcheck.join(" ")).not.toMatch(/\b(curl|wget)\b/);
        expect(Object.values(config.Labels ?? {})).toEqual(expect.arrayContaining([chain.ir.name, chainlet.name]));
        expect(config.Env).toContain("NODE_ENV=production");
        // The test base image carries the official Node 24 binary (scripts/docker-engine.sh), not the host's Node.
        expect((await docker(["run", "--rm", "--read-only", image, "node", "-v"])).trim()).toMatch(/^v24\./);

        const secrets = chainlet.config.assets.secretKeys.flatMap((key) => ["-e", `${secretEnvName(key)}=test-secret`]);
        // Alone, a caller still needs a URL per dependency to construct (and be ready); nothing listens there.
        const wiring = JSON.stringify(Object.fromEntries(chainlet.dependencies.map((name) => [name, "http://127.0.0.1:9"])));
        const id = (
          await docker(["run", "-d", "--label", `tschains-test=${RUN_ID}`, "-p", "127.0.0.1::8080", "--read-only", "--tmpfs", "/tmp",
            "-e", `CHAINS_AUTH_TOKEN=${TOKEN}`, "-e", `CHAINS_DEPENDENCIES=${wiring}`, ...secrets, image])
        ).trim();
        try {
          const published = (await docker(["port", id, "8080/tcp"])).trim().split("\n")[0]!;
          expect(published).toMatch(/^127\.0\.0\.1:\d+$/);
          const base = `http://${published}`;
          await waitFor(`${chainlet.name} /healthz`, async () => ((await http(`${base}/healthz`)).ok ? true : undefined), 60_000);
          expect((await http(`${base}/readyz`)).status).toBe(200);
          expect((await http(`${base}/metrics`)).status).toBe(200);
          const anonymous = await http(`${base}/v1/run_remote`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
          expect(anonymous.status).toBe(401);

          // The image's own HEALTHCHECK command succeeds inside the running container.
          const [kind, ...command] = healthcheck;
          const exec = kind === "CMD-SHELL" ? ["sh", "-c", command.join(" ")] : command;
          expect((await run("docker", ["exec", id, ...exec])).code, `${chainlet.name} healthcheck`).toBe(0);

          if (chainlet.dependencies.length === 0) {
            const input = exampleValue(chainlet.schemas.input);
            const call = () =>
              http(`${base}/v1/run_remote`, {
                method: "POST",
                headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
                body: JSON.stringify(input),
              });
            // A 503 is retried, as every tschains caller does (fixtures/traced warms up on a key's first call).
            let response = await call();
            if (response.status === 503) {
              await response.body?.cancel();
              response = await call();
            }
            const body = (await response.json()) as { error?: { chainlet?: string } };
            expect(response.status, `${chainlet.name} answers ${JSON.stringify(input)}: ${JSON.stringify(body)}`).toBeLessThan(500);
            if (response.status !== 200) expect(body.error?.chainlet).toBe(chainlet.name);
          }
        } catch (error) {
          const logs = await run("docker", ["logs", "--tail", "50", id]);
          throw new Error(`${String(error)}\n--- logs of ${chainlet.name}:\n${logs.stdout}${logs.stderr}`);
        } finally {
          await run("docker", ["rm", "-f", id]);
        }
      }
    }, 900_000);
  });

  async function composeUp(entry: string, secrets: Record<string, string> = {}): Promise<{ base: string; compose: (...args: string[]) => Promise<string> }> {
    const chain = built.get(entry)!;
    const file = join(chain.chainDir, "docker-compose.yml");
    const project = `${RUN_ID}-${chain.ir.name}`.replace(/[^a-z0-9_-]/g, "");
    const port = await freePort();
    const envFile = join(outDir, `${chain.ir.name}.env`);
    const example = readFileSync(join(chain.chainDir, "chain.env.example"), "utf8");
    // Secrets are files, readable by the containers' uid 1000; the env file holds nothing secret.
    const secretsPath = mkdtempSync(join(outDir, "secrets-"));
    chmodSync(secretsPath, 0o755);
    for (const [name, value] of Object.entries({ "auth-token": TOKEN, "api-keys": API_KEY, ...secrets })) {
      writeFileSync(join(secretsPath, name), `${value}\n`);
      chmodSync(join(secretsPath, name), 0o444);
    }
    const values: Record<string, string> = { CHAINS_SECRETS_PATH: secretsPath, CHAINS_PORT: String(port) };
    // Start from the example, as a user does: its values, with the test's secrets folder and port.
    const lines = example.split("\n").filter((line) => /^[A-Z_][A-Z0-9_]*=/.test(line)).map((line) => {
      const [name, ...rest] = line.split("=");
      return `${name}=${values[name!] ?? rest.join("=")}`;
    });
    writeFileSync(envFile, lines.join("\n") + "\n", { mode: 0o600 });
    composeProjects.push({ file, project, envFile });
    const compose = async (...args: string[]) => {
      const result = await run("docker-compose", ["-f", file, "-p", project, "--env-file", envFile, ...args], { timeoutMs: 600_000, env: dockerEnv() });
      if (result.code !== 0) throw new Error(`docker-compose ${args.join(" ")} failed:\n${result.stderr}\n${result.stdout}`);
      return result.stdout;
    };
    await compose("config", "-q");
    await compose("up", "-d", "--build");
    const ids = (await compose("ps", "-q")).split("\n").filter(Boolean);
    expect(ids).toHaveLength(chain.ir.chainlets.length);
    try {
      await waitFor(
        "every service healthy",
        async () => {
          const states = await Promise.all(ids.map(async (id) => (await docker(["inspect", "-f", "{{.State.Health.Status}}", id])).trim()));
          return states.every((state) => state === "healthy") ? true : undefined;
        },
        180_000,
        1000,
      );
    } catch (error) {
      throw new Error(`${String(error)}\n${await compose("ps")}\n${await compose("logs", "--tail", "30")}`);
    }
    const published = (await compose("port", chain.ir.entrypoint, "8080")).trim();
    expect(published).toBe(`127.0.0.1:${port}`);
    // Every container runs with its Chainlet's compute as limits and reservations, and no secret in its environment.
    for (const id of ids) {
      const [state] = JSON.parse(await docker(["inspect", id])) as [{ Config: { Env: string[]; Labels: Record<string, string> }; HostConfig: { NanoCpus: number; Memory: number; MemoryReservation: number } }];
      const chainlet = chain.ir.chainlets.find((c) => c.name === state.Config.Labels["dev.tschains.chainlet"])!;
      expect(state.HostConfig.NanoCpus).toBe(chainlet.config.compute.cpu * 1e9);
      expect(state.HostConfig.Memory).toBe(memoryBytes(chainlet.config.compute.memory));
      expect(state.HostConfig.MemoryReservation).toBe(memoryBytes(chainlet.config.compute.memory));
      const env = state.Config.Env.join("\n");
      for (const secret of [TOKEN, API_KEY, ...Object.values(secrets)]) expect(env).not.toContain(secret);
    }
    return { base: `http://${published}`, compose };
  }

  async function callEntrypoint(base: string, body: unknown, key = API_KEY): Promise<{ status: number; value: unknown }> {
    const response = await http(`${base}/v1/run_remote`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: response.status, value: await response.json() };
  }

  describe("a real registry in the loop", () => {
    it("hello, built with --registry and default tags: compose build + push every image, remove them, pull back by the manifests' references, run", async () => {
      const dir = mkdtempSync(join(tmpdir(), "tschains-registry-"));
      const registry = await startRegistry(dir);
      const pulled: string[] = [];
      try {
        const result = await buildChain(join(repo, "fixtures/hello/chain.ts"), { outDir: join(dir, "out"), registry: registry.address });
        expect(result.ok).toBe(true);
        const file = join(result.chainDir, "docker-compose.yml");
        const composeImages = Object.values((parse(readFileSync(file, "utf8")) as { services: Record<string, { image: string }> }).services).map((service) => service.image).sort();
        const manifestImages = readdirSync(join(result.chainDir, "k8s"))
          .flatMap((name) => parseAllDocuments(readFileSync(join(result.chainDir, "k8s", name), "utf8")).map((doc) => doc.toJS()))
          .filter((object) => object?.kind === "Deployment")
          .map((deployment) => deployment.spec.template.spec.containers[0].image as string)
          .sort();
        expect(manifestImages).toEqual(composeImages);
        for (const image of composeImages) expect(image).toMatch(new RegExp(`^${registry.address.replace(/\./g, "\\.")}/hello-world-[a-z-]+:[0-9a-f]{16}$`));
        pulled.push(...composeImages);

        const compose = async (...args: string[]) => {
          const ran = await run("docker-compose", ["-f", file, "-p", `${RUN_ID}-registry`, ...args], { timeoutMs: 600_000, env: dockerEnv({ CHAINS_SECRETS_PATH: dir }) });
          if (ran.code !== 0) throw new Error(`docker-compose ${args.join(" ")} failed:\n${ran.stderr}\n${ran.stdout}`);
        };
        await compose("build");
        await compose("push");
        await docker(["image", "rm", ...composeImages]);
        for (const image of manifestImages) {
          expect((await run("docker", ["image", "inspect", image])).code, `${image} is gone locally`).not.toBe(0);
          await docker(["pull", "-q", image]);
          const id = (await docker(["run", "-d", "--label", `tschains-test=${RUN_ID}`, "-p", "127.0.0.1::8080", "--read-only", "--tmpfs", "/tmp",
            "-e", `CHAINS_AUTH_TOKEN=${TOKEN}`, "-e", `CHAINS_DEPENDENCIES={"say-hello":"http://127.0.0.1:9"}`, image])).trim();
          try {
            const base = `http://${(await docker(["port", id, "8080/tcp"])).trim().split("\n")[0]}`;
            await waitFor(`${image} /readyz`, async () => ((await http(`${base}/readyz`)).ok ? true : undefined), 60_000);
          } finally {
            await run("docker", ["rm", "-f", id]);
          }
        }
      } finally {
        if (pulled.length > 0) await run("docker", ["image", "rm", "-f", ...pulled]);
        registry.process.kill();
        rmSync(dir, { recursive: true, force: true });
      }
    }, 900_000);
  });

  describe("docker-compose", () => {
    it("hello: up, healthy, the entrypoint answers through SayHello, only the entrypoint is published, down", async () => {
      const { base, compose } = await composeUp("fixtures/hello/chain.ts");
      expect(await callEntrypoint(base, { names: ["Ada", "Bob"] })).toEqual({ status: 200, value: "Hello, Ada!\nHello, Bob!" });
      expect((await callEntrypoint(base, { names: ["Ada"] }, "")).status).toBe(401);
      expect((await compose("port", "say-hello", "8080")).trim()).toBe("");
      await compose("down", "-v", "-t", "5");
      expect((await compose("ps", "-q")).trim()).toBe("");
    }, 900_000);

    it("checkout: four levels deep, with a secret from the env file and a data folder baked into the image", async () => {
      const { base, compose } = await composeUp("fixtures/checkout/chain.ts", { pricing_api_key: "test-pricing-key" });
      const { status, value } = await callEntrypoint(base, { request: { items: [{ sku: "TEA-001", quantity: 2 }], shipTo: { country: "DE" }, currency: "EUR" } });
      expect(status, JSON.stringify(value)).toBe(200);
      const answer = value as { orderId: string; quote: { subtotal: { amount: number }; tax: { amount: number }; total: { amount: number }; taxRate: number } };
      expect(answer.orderId).toBe("ord-tea-001x2");
      expect(answer.quote.subtotal.amount).toBe(900);
      expect(answer.quote.taxRate).toBe(0.19);
      expect(answer.quote.total.amount).toBe(answer.quote.subtotal.amount + answer.quote.tax.amount);
      // An outside caller (API key) learns what failed and the request id, but no stack and no source path.
      const refused = await callEntrypoint(base, { request: { items: [{ sku: "TEA-001", quantity: 1 }], shipTo: { country: "XX" }, currency: "EUR" } });
      expect(refused.status).toBe(422);
      const error = (refused.value as { error: { requestId?: string; cause: { cause: { message: string } } } }).error;
      expect(error.cause.cause.message).toBe("no tax rate for XX");
      expect(error.requestId).toMatch(/\S/);
      expect(JSON.stringify(refused.value)).not.toMatch(/\.[cm]?[jt]s:\d|\/app\/|"stack":"[^"]/);
      await compose("down", "-v", "-t", "5");
    }, 900_000);

    it("short-links: a Chainlet's npmRequirements package is installed in its image and used at run time", async () => {
      const chain = built.get("test/deploy/fixtures/short-links/chain.ts")!;
      const bundle = readFileSync(join(chain.chainDir, "chainlets", "id-maker", "server.mjs"), "utf8");
      expect(bundle).toMatch(/from "nanoid"/);
      const { base, compose } = await composeUp("test/deploy/fixtures/short-links/chain.ts");
      const urls = ["https://example.com/a", "https://example.com/b"];
      const { status, value } = await callEntrypoint(base, { urls });
      expect(status, JSON.stringify(value)).toBe(200);
      const links = value as { url: string; id: string }[];
      expect(links.map((link) => link.url)).toEqual(urls);
      for (const link of links) expect(link.id).toMatch(/^[a-h]{6}$/);
      await compose("down", "-v", "-t", "5");
    }, 900_000);
  });
});

/** Debian's docker-registry (distribution 2.8), installed by scripts/docker-engine.sh, on a free loopback port. */
async function startRegistry(dir: string): Promise<{ address: string; process: ChildProcess }> {
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const config = join(dir, "registry.yml");
  writeFileSync(config, `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, "data")}\nhttp:\n  addr: ${address}\n`);
  const child = spawn("/usr/bin/docker-registry", ["serve", config], { stdio: "ignore" });
  await waitFor("the registry", async () => ((await fetch(`http://${address}/v2/`, { signal: AbortSignal.timeout(2_000) })).ok ? true : undefined), 30_000, 200);
  return { address, process: child };
}

interface ImageConfig {
  User?: string;
  Env?: string[];
  ExposedPorts?: Record<string, unknown>;
  Cmd?: string[];
  Healthcheck?: { Test?: string[] };
  Labels?: Record<string, string>;
}
