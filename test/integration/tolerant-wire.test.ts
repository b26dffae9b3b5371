import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chainletEnv, spawnChainlet, waitReady, type Running } from "../../api/serve-chain.js";
import type { ChainletIR } from "../../compiler/chain-ir.js";
import { compareBuilds } from "../../diff/compare-chainlets.js";
import { variantBuilder, type BuiltVariant } from "../chain-variants.js";

const repo = join(import.meta.dirname, "..", "..");
const TOKEN = "tolerant-wire-test-token";

/** Version 1 of a two-Chainlet chain. `seen` reports what the caller's code received, to see the drop. */
const v1 = `import { ChainletBase, depends, entrypoint } from "tschains";

export type Contact = { kind: "email"; email: string } | { kind: "phone"; phone: string };

export interface Profile {
  name: string;
  address: { city: string };
  contact: Contact;
}

export class Lookup extends ChainletBase {
  async runRemote(id: string): Promise<Profile> {
    return { name: "user " + id, address: { city: "Berlin" }, contact: { kind: "email", email: id + "@example.com" } };
  }
}

export interface Greeting {
  text: string;
  seen: string;
}

@entrypoint("Versions")
export class Front extends ChainletBase {
  constructor(private readonly lookup = depends(Lookup)) {
    super();
  }

  async runRemote(request: { id: string; shout?: boolean }): Promise<Greeting> {
    const profile = await this.lookup.runRemote(request.id);
    return { text: "Hello " + profile.name + (request.shout ? "!" : "."), seen: JSON.stringify(profile) };
  }
}
`;

/**
 * Version 2, an additive change on both sides of the edge: Lookup takes a new optional parameter and
 * answers new fields (at the top, nested, in one member of a union); Front passes the parameter and
 * answers a new field of its own.
 */
const v2 = v1
  .replace('{ kind: "email"; email: string }', '{ kind: "email"; email: string; verified?: boolean }')
  .replace("address: { city: string };", "address: { city: string; zip?: string };\n  lang?: string;")
  .replace("async runRemote(id: string): Promise<Profile> {", "async runRemote(id: string, locale?: string): Promise<Profile> {")
  .replace(
    '{ name: "user " + id, address: { city: "Berlin" }, contact: { kind: "email", email: id + "@example.com" } }',
    '{ name: "user " + id, address: { city: "Berlin", zip: "10115" }, lang: locale ?? "en", contact: { kind: "email", email: id + "@example.com", verified: true } }',
  )
  .replace("  seen: string;\n}", "  seen: string;\n  lang?: string;\n}")
  .replace("await this.lookup.runRemote(request.id);", 'await this.lookup.runRemote(request.id, "de");')
  .replace('seen: JSON.stringify(profile) };', 'seen: JSON.stringify(profile), lang: profile.lang ?? "unknown" };');

const scratch = mkdtempSync(join(repo, "test", "tmp-tolerant-wire-"));
const processes: Running[] = [];

/** Starts one Chainlet of a build as its own process, its dependencies at the given URLs. */
async function start(build: BuiltVariant, name: string, dependencies: Record<string, string> = {}): Promise<string> {
  const chainlet = build.ir.chainlets.find((c) => c.name === name) as ChainletIR;
  const env = chainletEnv(build.ir, chainlet, { chainDir: build.chainDir }, { token: TOKEN, dependencies, port: 0 });
  const running = await spawnChainlet(chainlet, env, { chainDir: build.chainDir }, () => true);
  processes.push(running);
  await waitReady(running, 60_000);
  return running.url;
}

async function post(url: string, body: unknown, token?: string): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await request(`${url}/v1/run_remote`, { method: "POST", headers, body: JSON.stringify(body) });
  return { status: response.statusCode, body: await response.body.json() };
}

/** The value of `chains_unknown_properties_dropped_total` with these labels on a Chainlet's /metrics. */
async function dropped(url: string, read: "input" | "output", dependency = ""): Promise<number> {
  const text = await (await request(`${url}/metrics`)).body.text();
  const line = text.split("\n").find((l) => l.startsWith("chains_unknown_properties_dropped_total{") && l.includes(`read="${read}"`) && l.includes(`dependency="${dependency}"`));
  return line ? Number(line.split(" ").pop()) : 0;
}

describe("an additive change rolled out in either order, with served processes (the tolerant wire)", () => {
  let old: BuiltVariant;
  let next: BuiltVariant;
  let oldFrontOnNewLookup: string;
  let newFrontOnOldLookup: string;
  let oldLookup: string;
  let newFront: string;

  beforeAll(async () => {
    const build = variantBuilder(scratch);
    old = await build("v1", v1);
    next = await build("v2", v2);
    const newLookup = await start(next, "lookup");
    oldLookup = await start(old, "lookup");
    oldFrontOnNewLookup = await start(old, "front", { lookup: newLookup });
    newFrontOnOldLookup = await start(next, "front", { lookup: oldLookup });
    newFront = newFrontOnOldLookup;
  }, 180_000);

  afterAll(async () => {
    for (const running of processes) {
      running.child.kill("SIGTERM");
      await running.exited;
    }
    rmSync(scratch, { recursive: true, force: true });
  });

  it("chains diff calls the change compatible in both orders", () => {
    const report = compareBuilds(old.ir, next.ir);
    expect(report.breaking).toBe(false);
    expect(report.changes.every((change) => change.severity === "compatible" && change.rollout === undefined)).toBe(true);
    expect(report.changes.map((c) => `${c.chainlet} ${c.aspect} ${c.path}`)).toEqual(
      expect.arrayContaining(["lookup input /locale", "lookup output /lang", "front output /lang"]),
    );
  });

  it("old caller, new dependency: the caller's stub drops the new fields (top level, nested, in a union member) and counts them", async () => {
    const before = await dropped(oldFrontOnNewLookup, "output", "lookup");
    const answer = await post(oldFrontOnNewLookup, { request: { id: "7" } });
    expect(answer.status).toBe(200);
    expect(answer.body.text).toBe("Hello user 7.");
    expect(JSON.parse(answer.body.seen)).toEqual({ name: "user 7", address: { city: "Berlin" }, contact: { kind: "email", email: "7@example.com" } });
    expect((await dropped(oldFrontOnNewLookup, "output", "lookup")) - before).toBe(3);
  });

  it("new caller, old dependency: the dependency drops the new parameter and counts it; the new caller reads the old answer", async () => {
    const before = await dropped(oldLookup, "input");
    const answer = await post(newFrontOnOldLookup, { request: { id: "8", shout: true } });
    expect(answer.status).toBe(200);
    const seen = JSON.stringify({ name: "user 8", address: { city: "Berlin" }, contact: { kind: "email", email: "8@example.com" } });
    expect(answer.body).toEqual({ text: "Hello user 8!", seen, lang: "unknown" });
    expect((await dropped(oldLookup, "input")) - before).toBe(1);
  });

  it("an outside caller's typo is a 400 naming the property and the accepted ones, at the top and nested", async () => {
    const nested = await post(newFront, { request: { id: "9", shuot: true } });
    expect(nested.status).toBe(400);
    expect(nested.body.error.code).toBe("CH2101");
    expect(nested.body.error.message).toContain("/request/shuot: is not allowed here (no such property; the properties are id, shout)");
    const top = await post(newFront, { reqest: { id: "9" } });
    expect(top.status).toBe(400);
    expect(top.body.error.message).toContain("/reqest: is not a parameter (the parameters are request)");
    expect(await dropped(newFront, "input")).toBe(0);
  });

  it("the same unknown property from a caller with the internal token is dropped, not an error", async () => {
    const answer = await post(newFront, { request: { id: "9", shuot: true }, traceHint: 1 }, TOKEN);
    expect(answer.status).toBe(200);
    expect(answer.body.text).toBe("Hello user 9.");
    expect(await dropped(newFront, "input")).toBe(2);
  });

  it("the OpenAPI document says the same: unknown request properties are an error for outside callers, readers ignore unknown output fields", () => {
    const openapi = JSON.parse(next.file("chainlets/front/openapi.json"));
    const post = openapi.paths["/v1/run_remote"].post;
    expect(post.requestBody.description).toContain("from an outside caller, a property the schema does not declare is an error");
    expect(post.responses["200"].description).toContain("Readers must ignore properties the schema does not declare");
  });

  it("the generated client of the old version reads the new version's answer, dropping and reporting its new field", async () => {
    const { FrontClient } = await import(pathToFileURL(join(old.chainDir, "clients", "front", "index.js")).href);
    const reported: string[][] = [];
    const client = new FrontClient({ baseUrl: newFront, onUnknownProperties: (paths: string[]) => reported.push(paths) });
    const answer = await client.runRemote({ id: "10" });
    expect(answer).toEqual({ text: "Hello user 10.", seen: expect.any(String) });
    expect(reported).toEqual([["/lang"]]);
  });
});
