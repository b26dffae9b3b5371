import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ChainletBase, HttpError } from "tschains";
import { freePort } from "../deploy/docker-cli.js";
import { closeAll, get, inputSchema, post, serve } from "./harness.js";

afterAll(closeAll);

class Failing extends ChainletBase {
  runRemote(how: string): string {
    if (how === "http") throw new HttpError(422, "no tax rate for XX");
    throw new TypeError(`cannot read /srv/app/src/models/pricing.ts:12:7 (${how})`, { cause: new Error("inner") });
  }
}
const failing = {
  chainlet: Failing,
  input: inputSchema({ how: { type: "string" } }),
  output: { $schema: "https://json-schema.org/draft/2020-12/schema", type: "string" },
  isEntrypoint: true,
};

const TOKEN = "internal-token-0123456789";
const KEY = "outside-key-0123456789";

describe("errors seen from outside the chain", () => {
  it("gives an API-key caller type, message, code and request id, without stack or source paths", async () => {
    const s = await serve(failing, { CHAINS_AUTH_TOKEN: TOKEN, CHAINS_API_KEYS: KEY });
    const outside = await post(s.url, { how: "boom" }, { headers: { authorization: `Bearer ${KEY}`, "x-request-id": "req-outside-1" } });
    expect(outside.status).toBe(500);
    expect(outside.body.error).toEqual({
      type: "TypeError",
      message: "cannot read [path] (boom)",
      chainlet: "failing",
      stack: "",
      cause: { type: "Error", message: "inner", chainlet: "failing", stack: "", cause: null },
      requestId: "req-outside-1",
    });
    expect(outside.text).not.toMatch(/\.ts:\d|\/srv\/|at /);
    const refused = await post(s.url, { how: 1 }, { headers: { authorization: `Bearer ${KEY}` } });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ type: "ChainsError", code: "CH2101", stack: "" });
    expect(typeof refused.body.error.requestId).toBe("string");
    const chosen = await post(s.url, { how: "http" }, { headers: { authorization: `Bearer ${KEY}` } });
    expect(chosen.status).toBe(422);
    expect(chosen.body.error).toMatchObject({ type: "HttpError", message: "no tax rate for XX", stack: "" });
  });

  it("keeps the full envelope for another Chainlet (internal token) and in the logs", async () => {
    const s = await serve(failing, { CHAINS_AUTH_TOKEN: TOKEN, CHAINS_API_KEYS: KEY });
    const internal = await post(s.url, { how: "boom" }, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(internal.body.error.message).toContain("/srv/app/src/models/pricing.ts:12:7");
    expect(internal.body.error.stack).toMatch(/production-defaults\.test\.ts:\d+/);
    await post(s.url, { how: "logged" }, { headers: { authorization: `Bearer ${KEY}` } });
    const logged = s.logs.map((line) => JSON.parse(line)).find((line) => line.err?.message?.includes("(logged)"));
    expect(logged.err.stack).toMatch(/production-defaults\.test\.ts:\d+/);
  });

  it("shows stacks to outside callers with CHAINS_EXPOSE_STACKS=1, and on a public (chains serve) entrypoint", async () => {
    const staging = await serve(failing, { CHAINS_AUTH_TOKEN: TOKEN, CHAINS_API_KEYS: KEY, CHAINS_EXPOSE_STACKS: "1" });
    const shown = await post(staging.url, { how: "boom" }, { headers: { authorization: `Bearer ${KEY}` } });
    expect(shown.body.error.stack).toMatch(/production-defaults\.test\.ts:\d+/);
    const local = await serve(failing, { CHAINS_AUTH_TOKEN: TOKEN, CHAINS_ENTRYPOINT_PUBLIC: "1" });
    const served = await post(local.url, { how: "boom" });
    expect(served.body.error.stack).toMatch(/production-defaults\.test\.ts:\d+/);
  });
});

describe("CHAINS_OPS_PORT", () => {
  it("serves health and metrics on the ops port only, and run_remote on the service port only", async () => {
    const opsPort = await freePort();
    const s = await serve(failing, { CHAINS_OPS_PORT: String(opsPort) });
    const ops = `http://127.0.0.1:${opsPort}`;
    expect((await get(ops, "/healthz")).status).toBe(200);
    expect((await get(ops, "/readyz")).body).toMatchObject({ status: "ready" });
    const metrics = await get(ops, "/metrics");
    expect(metrics.text).toContain("chains_run_remote_in_flight");
    for (const path of ["/healthz", "/readyz", "/metrics"]) {
      const hidden = await get(s.url, path);
      expect(hidden.status, path).toBe(404);
      expect(hidden.body.error.code).toBe("CH2106");
    }
    expect((await post(s.url, { how: "http" })).status).toBe(422);
    expect((await post(ops, { how: "http" })).status).toBe(404);
    await s.close();
    await expect(get(ops, "/healthz")).rejects.toThrow();
  });

  it("refuses a port that is not one", async () => {
    await expect(serve(failing, { CHAINS_OPS_PORT: "80a" })).rejects.toThrow(/CHAINS_OPS_PORT must be an integer/);
  });
});

describe("secrets given as files (<NAME>_FILE)", () => {
  it("reads the internal token and API keys from files, as Compose secrets mount them", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tschains-auth-"));
    try {
      await writeFile(join(dir, "auth-token"), `${TOKEN}\n`);
      await writeFile(join(dir, "api-keys"), `${KEY}\n`);
      const s = await serve(failing, { CHAINS_AUTH_TOKEN_FILE: join(dir, "auth-token"), CHAINS_API_KEYS_FILE: join(dir, "api-keys") });
      expect((await post(s.url, { how: "http" })).status).toBe(401);
      expect((await post(s.url, { how: "http" }, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(422);
      expect((await post(s.url, { how: "http" }, { headers: { authorization: `Bearer ${KEY}` } })).status).toBe(422);
      await expect(serve(failing, { CHAINS_AUTH_TOKEN_FILE: join(dir, "missing") })).rejects.toThrow(/CHAINS_AUTH_TOKEN_FILE names .* cannot be read/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
