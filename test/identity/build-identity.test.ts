import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveChain } from "../../api/serve-chain.js";
import { variantBuilder, type BuiltVariant } from "../chain-variants.js";

const repo = join(import.meta.dirname, "..", "..");
const scratch = mkdtempSync(join(repo, "test", "tmp-build-identity-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const original = readFileSync(join(repo, "fixtures/hello/chain.ts"), "utf8");
/** The hello chain with SayHello's body changed: its interface (and so what HelloAll embeds of it) is the same. */
const bodyChanged = original.replace("`Hello, ${name}", "`Hi, ${name}");
/** SayHello gains a parameter: HelloAll's stub of it changes, so HelloAll's image changes too. */
const interfaceChanged = original.replace("excited?: boolean)", "excited?: boolean, suffix?: string)");

type Built = BuiltVariant & { ids: Record<string, string | undefined> };
const buildVariant = variantBuilder(scratch);

async function build(variant: string, source: string, tag?: string): Promise<Built> {
  const built = await buildVariant(variant, source, tag);
  return { ...built, ids: Object.fromEntries(built.ir.chainlets.map((chainlet) => [chainlet.name, chainlet.buildId])) };
}

describe("build identity", () => {
  let v1: Built;
  beforeAll(async () => {
    v1 = await build("v1", original);
  }, 60_000);

  it("gives every Chainlet a hash that is the same when building twice", async () => {
    expect(v1.ids["hello-all"]).toMatch(/^[0-9a-f]{16}$/);
    expect(v1.ids["say-hello"]).toMatch(/^[0-9a-f]{16}$/);
    expect(v1.ids["hello-all"]).not.toBe(v1.ids["say-hello"]);
    const again = await build("v1-again", original);
    expect(again.ids).toEqual(v1.ids);
  }, 60_000);

  it("tags Compose and Kubernetes images with it, so only a changed Chainlet gets a new tag", async () => {
    const compose = v1.file("docker-compose.yml");
    expect(compose).toContain(`image: hello-world-hello-all:${v1.ids["hello-all"]}`);
    expect(compose).toContain(`image: hello-world-say-hello:${v1.ids["say-hello"]}`);
    expect(v1.file("k8s/say-hello.yaml")).toContain(`image: hello-world-say-hello:${v1.ids["say-hello"]}`);
    expect(v1.file("chainlets/say-hello/Dockerfile")).toContain(`CHAINS_BUILD_ID="${v1.ids["say-hello"]}"`);

    const v2 = await build("v2", bodyChanged);
    expect(v2.ids["say-hello"]).not.toBe(v1.ids["say-hello"]);
    expect(v2.ids["hello-all"]).toBe(v1.ids["hello-all"]);
    expect(v2.file("docker-compose.yml")).toContain(`image: hello-world-say-hello:${v2.ids["say-hello"]}`);
    expect(v2.file("k8s/hello-all.yaml")).toBe(v1.file("k8s/hello-all.yaml"));

    const v3 = await build("v3", interfaceChanged);
    expect(v3.ids["say-hello"]).not.toBe(v1.ids["say-hello"]);
    expect(v3.ids["hello-all"]).not.toBe(v1.ids["hello-all"]);
  }, 120_000);

  it("lets --tag override the build id for every image", async () => {
    const tagged = await build("tagged", original, "v9");
    expect(tagged.ids).toEqual(v1.ids);
    expect(tagged.file("docker-compose.yml")).toContain("image: hello-world-say-hello:v9");
    expect(tagged.file("docker-compose.yml")).not.toContain(v1.ids["say-hello"]!.slice(0, 8) + ":");
  }, 60_000);

  it("puts the package version and the hash in OpenAPI info.version", () => {
    const version = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")).version as string;
    const openapi = JSON.parse(v1.file("chainlets/say-hello/openapi.json")) as { info: { version: string } };
    expect(openapi.info.version).toBe(`${version}+${v1.ids["say-hello"]}`);
  });

  it("is reported by /healthz, error envelopes and the access log of a served Chainlet", async () => {
    const lines: string[] = [];
    const served = await serveChain({ chainDir: v1.chainDir, onLog: (log) => lines.push(log.line) });
    try {
      const health = await request(`${served.url}/healthz`);
      expect(await health.body.json()).toEqual({ status: "ok", chainlet: "hello-all", buildId: v1.ids["hello-all"] });

      const bad = await request(`${served.url}/v1/run_remote`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"names": 3}' });
      expect(bad.statusCode).toBe(400);
      const envelope = ((await bad.body.json()) as { error: { buildId?: string; chainlet: string } }).error;
      expect(envelope).toMatchObject({ chainlet: "hello-all", buildId: v1.ids["hello-all"] });

      const ok = await request(`${served.url}/v1/run_remote`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"names": ["Ada"]}' });
      expect(await ok.body.text()).toBe('"Hello, Ada!"');
    } finally {
      await served.stop();
    }
    const accessLines = lines.filter((line) => line.includes('"route":"/v1/run_remote"')).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(accessLines.some((line) => line.chainlet === "say-hello" && line.buildId === v1.ids["say-hello"])).toBe(true);
    expect(accessLines.some((line) => line.chainlet === "hello-all" && line.buildId === v1.ids["hello-all"] && line.status === 400)).toBe(true);
  }, 60_000);
});
