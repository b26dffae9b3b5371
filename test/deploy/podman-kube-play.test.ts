import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnSync } from "node:child_process";
import type { Deployment } from "kubernetes-types/apps/v1.js";
import type { ConfigMap, Container, Probe, Secret } from "kubernetes-types/core/v1.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments, stringify } from "yaml";
import { buildChain } from "../../api/build-chain.js";
import { formatDiagnostics } from "../../compiler/diagnostics.js";
import { AUTH_TOKEN_KEY } from "../../emitters/deploy/emit-kubernetes.js";
import { memoryBytes } from "../../emitters/deploy/emit-compose.js";
import { BASE_IMAGE, docker, freePort, probeEngine, run, waitFor, type EngineProbe, type RunResult } from "./docker-cli.js";

/*
 * Runs the emitted Kubernetes Deployment of the hello chain's SayHello with `podman kube play` (daemonless,
 * no cluster needed) and checks that its env, Secret reference, probe paths, security context, volumes and
 * resources work together in a real pod. podman ignores Services and runs no probes itself (no systemd
 * here), so the test calls the probe paths and the Chainlet from inside the pod, and from the host through
 * a port published on 127.0.0.1.
 *
 * Everything podman keeps (images, pods, secrets, volumes) lives in a storage root of this run only;
 * the pod gets a network of this run only, removed at the end.
 */

const repo = fileURLToPath(new URL("../../", import.meta.url));
const CONTAINERS_CONF = join(repo, "scripts", "podman-containers.conf");
const RUN_ID = `t${process.pid}${randomBytes(3).toString("hex")}`;
const TAG = `kube-${RUN_ID}`;
const TOKEN = randomBytes(16).toString("hex");
const CHAINLET = "say-hello";

function probePodman(): EngineProbe {
  const hint = "install it with: bash scripts/docker-engine.sh";
  const version = spawnSync("podman", ["version", "--format", "{{.Client.Version}}"], { encoding: "utf8", timeout: 20_000, env: { ...process.env, CONTAINERS_CONF } });
  if (version.status !== 0) return { ok: false, reason: `podman does not run (${(version.stderr || String(version.error)).trim().split("\n")[0]}); ${hint}` };
  // kube play makes each pod's infra image from catatonit.
  if (!["/usr/bin/catatonit", "/usr/libexec/podman/catatonit"].some((path) => existsSync(path))) {
    return { ok: false, reason: `catatonit is not installed; ${hint}` };
  }
  // The base image comes from the Docker engine's store, where scripts/docker-engine.sh makes it.
  const engine = probeEngine();
  return engine.ok ? engine : { ok: false, reason: `podman takes ${BASE_IMAGE} from the Docker engine: ${engine.reason}` };
}

const probe = probePodman();

describe("podman kube play runs the emitted Deployment", () => {
  if (!probe.ok) {
    if (process.env.CI === "true") {
      it("needs podman under CI=true", () => {
        throw new Error(probe.reason);
      });
    } else {
      console.warn(`podman kube play test skipped: ${probe.reason}`);
      it.skip(`skipped: ${probe.reason}`, () => {});
    }
    return;
  }

  const work = mkdtempSync(join(tmpdir(), "tschains-podman-"));
  const storage = ["--root", join(work, "root"), "--runroot", join(work, "runroot"), "--tmpdir", join(work, "libpod")];
  const network = `tschains-${RUN_ID}`;
  const manifest = join(work, "say-hello.kube.yaml");
  let deployment: Deployment;
  let configMap: ConfigMap;
  let container: Container;
  let containerId = "";
  let hostPort = 0;
  let played = false;

  const podmanRun = (args: string[], timeoutMs = 120_000): Promise<RunResult> =>
    run("podman", [...storage, ...args], { env: { ...process.env, CONTAINERS_CONF }, timeoutMs });
  async function podman(args: string[], timeoutMs?: number): Promise<string> {
    const result = await podmanRun(args, timeoutMs);
    if (result.code !== 0) throw new Error(`podman ${args.join(" ")} failed (${result.code}):\n${result.stderr}${result.stdout.slice(-2000)}`);
    return result.stdout;
  }

  /** `fetch` run by node inside the pod's container, so it reaches the server on the pod's own loopback. */
  async function fetchInPod(
    path: string,
    init: { method?: string; token?: string; body?: unknown; port?: number | string } = {},
  ): Promise<{ status: number; body: string }> {
    const script =
      "const [url, method, token, body] = process.argv.slice(1);" +
      "fetch(url, { method, headers: { 'content-type': 'application/json', ...(token ? { authorization: 'Bearer ' + token } : {}) }, body: method === 'GET' ? undefined : body, signal: AbortSignal.timeout(10000) })" +
      ".then(async (r) => console.log(JSON.stringify({ status: r.status, body: await r.text() })), (e) => { console.error(String(e)); process.exit(1); })";
    const port = containerPort(container, init.port);
    const out = await podman(["exec", containerId, "node", "-e", script, `http://127.0.0.1:${port}${path}`, init.method ?? "GET", init.token ?? "", JSON.stringify(init.body ?? null)]);
    return JSON.parse(out.trim()) as { status: number; body: string };
  }

  /** What the kubelet would do for an httpGet probe: GET its path on its (possibly named) port. */
  function probeInPod(probe: Probe | undefined): Promise<{ status: number; body: string }> {
    if (!probe?.httpGet?.path) throw new Error("the container has no httpGet probe");
    return fetchInPod(probe.httpGet.path, { port: probe.httpGet.port });
  }

  beforeAll(async () => {
    const outDir = join(work, "out");
    const result = await buildChain(join(repo, "fixtures/hello/chain.ts"), { outDir, tag: TAG });
    if (!result.ok) throw new Error(`build failed:\n${formatDiagnostics(result.diagnostics, { cwd: repo, color: false })}`);
    const documents = parseAllDocuments(readFileSync(join(result.chainDir, "k8s", `${CHAINLET}.yaml`), "utf8"));
    const objects = (Array.isArray(documents) ? documents : [documents]).map((doc) => doc.toJS() as { kind: string });
    deployment = objects.find((object) => object.kind === "Deployment") as Deployment;
    configMap = objects.find((object) => object.kind === "ConfigMap") as ConfigMap;
    expect(deployment, "the file has a Deployment").toBeDefined();
    expect(configMap, "the file has a ConfigMap").toBeDefined();
    container = deployment.spec!.template.spec!.containers[0]!;

    // The base image from the Docker engine, then the Chainlet image from its emitted context, offline.
    const baseArchive = join(work, "base.tar");
    await docker(["save", "-o", baseArchive, BASE_IMAGE], { timeoutMs: 120_000 });
    await podman(["load", "-q", "-i", baseArchive]);
    rmSync(baseArchive);
    await podman(["build", "--isolation", "chroot", "--pull=never", "--format", "docker", "-q", "-t", container.image!, join(result.chainDir, "chainlets", CHAINLET)], 300_000);

    // The user's part, as on a cluster: the Secret the Deployment refers to, with a test token. podman
    // (4.3) resolves `secretKeyRef` from a podman secret holding the Secret's `data` as JSON; a Secret
    // document given to kube play itself is stored in a form its own `secretKeyRef` cannot read.
    for (const secret of referencedSecrets(deployment)) {
      const file = join(work, `${secret.metadata!.name}.json`);
      writeFileSync(file, JSON.stringify(secret.data), { mode: 0o600 });
      await podman(["secret", "create", secret.metadata!.name!, file]);
      rmSync(file);
    }

    // Without a hostPort podman publishes the containerPort on 0.0.0.0 of the host; the test's copy pins
    // it to a free port on 127.0.0.1. Services mean nothing to podman and are left out.
    hostPort = await freePort();
    const playable = structuredClone(deployment);
    // Only the service port: the ops port (health, metrics) stays inside the pod, as on a cluster.
    for (const port of playable.spec!.template.spec!.containers[0]!.ports ?? []) if (port.name === "http") Object.assign(port, { hostPort, hostIP: "127.0.0.1" });
    writeFileSync(manifest, [configMap, playable].map((object) => stringify(object)).join("---\n"));
    played = true;
    await podman(["network", "create", network]);
    await podman(["kube", "play", "--network", network, manifest], 180_000);

    const containers = JSON.parse(await podman(["ps", "-a", "--format", "json"])) as { Id: string; IsInfra: boolean }[];
    const app = containers.filter((entry) => !entry.IsInfra);
    expect(app, "one application container in the pod").toHaveLength(1);
    containerId = app[0]!.Id;
    try {
      const readiness = container.readinessProbe;
      await waitFor("the readiness probe path", async () => ((await probeInPod(readiness)).status === 200 ? true : undefined), 60_000);
    } catch (error) {
      const logs = await podmanRun(["logs", "--tail", "50", containerId]);
      throw new Error(`${String(error)}\n--- logs:\n${logs.stdout}${logs.stderr}`);
    }
  }, 600_000);

  afterAll(async () => {
    if (played) {
      await podmanRun(["kube", "down", manifest]);
      await podmanRun(["pod", "rm", "-f", "-a"]);
      await podmanRun(["network", "rm", "-f", network]);
    }
    await podmanRun(["rmi", "-f", "-a"]);
    rmSync(work, { recursive: true, force: true });
  }, 300_000);

  it("runs the container as the non-root user, with a read-only root filesystem, no capabilities and the Deployment's limits", async () => {
    const podSecurity = deployment.spec!.template.spec!.securityContext!;
    expect((await podman(["exec", containerId, "id", "-u"])).trim()).toBe(String(podSecurity.runAsUser));
    expect((await podman(["exec", containerId, "id", "-g"])).trim()).toBe(String(podSecurity.runAsGroup));

    const rootWrite = await podmanRun(["exec", containerId, "touch", "/app/written-at-run-time"]);
    expect(rootWrite.code).not.toBe(0);
    expect(rootWrite.stderr).toMatch(/read-only file system/i);
    // The emptyDir volume is where the server may write.
    for (const mount of container.volumeMounts ?? []) {
      expect((await podmanRun(["exec", containerId, "touch", `${mount.mountPath}/written-at-run-time`])).code, mount.mountPath).toBe(0);
    }

    const status = await podman(["exec", containerId, "cat", "/proc/1/status"]);
    const field = (name: string) => new RegExp(`^${name}:\\s*(\\S+)`, "m").exec(status)?.[1];
    expect(field("CapBnd"), "capabilities: drop ALL").toMatch(/^0+$/);
    expect(field("NoNewPrivs"), "allowPrivilegeEscalation: false").toBe("1");
    expect(field("Seccomp"), "seccompProfile: RuntimeDefault").toBe("2");

    const [inspected] = JSON.parse(await podman(["inspect", containerId])) as [
      { State: { Status: string }; HostConfig: { Memory: number; CpuQuota: number; CpuPeriod: number } },
    ];
    expect(inspected.State.Status).toBe("running");
    const limits = container.resources!.limits!;
    expect(inspected.HostConfig.Memory).toBe(memoryBytes(String(limits.memory)));
    expect(inspected.HostConfig.CpuQuota / inspected.HostConfig.CpuPeriod).toBeCloseTo(cpuCores(String(limits.cpu)));
  });

  it("gets its env from the ConfigMap and its token from the Secret, answers its probe paths and greets with the token", async () => {
    const env = JSON.parse((await podman(["exec", containerId, "node", "-e", "console.log(JSON.stringify(process.env))"])).trim()) as Record<string, string>;
    for (const [name, value] of Object.entries(configMap.data ?? {})) expect(env[name], name).toBe(value);
    expect(env.CHAINS_AUTH_TOKEN).toBe(TOKEN);

    for (const [which, probe] of Object.entries({ startup: container.startupProbe, liveness: container.livenessProbe, readiness: container.readinessProbe })) {
      expect((await probeInPod(probe)).status, `${which} probe ${JSON.stringify(probe?.httpGet)}`).toBe(200);
    }

    expect(await fetchInPod("/v1/run_remote", { method: "POST", token: TOKEN, body: { name: "Ada" } })).toEqual({ status: 200, body: JSON.stringify("Hello, Ada.") });
    expect((await fetchInPod("/v1/run_remote", { method: "POST", body: { name: "Ada" } })).status).toBe(401);
    expect((await fetchInPod("/v1/run_remote", { method: "POST", token: "not-the-token", body: { name: "Ada" } })).status).toBe(403);
  });

  it("answers from the host through the container port published on 127.0.0.1", async () => {
    const response = await fetch(`http://127.0.0.1:${hostPort}/v1/run_remote`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ name: "Bob", excited: true }),
      signal: AbortSignal.timeout(15_000),
    });
    expect({ status: response.status, value: await response.json() }).toEqual({ status: 200, value: "Hello, Bob!" });
  });
});

/** A container port by number or by name (as probes give it); by default the container's first port. */
function containerPort(container: Container, port: number | string = container.ports![0]!.containerPort): number {
  if (typeof port === "number") return port;
  const named = container.ports?.find((entry) => entry.name === port);
  if (!named) throw new Error(`the container has no port named ${port}`);
  return named.containerPort;
}

/** One Secret per name the Deployment's `secretKeyRef`s use, holding each referenced key (the token: the test's). */
function referencedSecrets(deployment: Deployment): Secret[] {
  const secrets = new Map<string, Secret>();
  for (const container of deployment.spec!.template.spec!.containers) {
    for (const variable of container.env ?? []) {
      const ref = variable.valueFrom?.secretKeyRef;
      if (!ref) continue;
      const secret = secrets.get(ref.name!) ?? { apiVersion: "v1", kind: "Secret", type: "Opaque", metadata: { name: ref.name }, data: {} };
      const value = ref.key === AUTH_TOKEN_KEY ? TOKEN : `test-${ref.key}`;
      secret.data![ref.key] = Buffer.from(value).toString("base64");
      secrets.set(ref.name!, secret);
    }
  }
  return [...secrets.values()];
}

function cpuCores(quantity: string): number {
  return quantity.endsWith("m") ? Number(quantity.slice(0, -1)) / 1000 : Number(quantity);
}
