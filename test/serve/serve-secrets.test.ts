import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildFixtureChain, serveWithLogs, type BuiltChain } from "../integration/served-fixture.js";
import { LISTENING_MESSAGE, type ListeningMessage } from "../../runtime-node/protocol/readiness.js";

/** The environment a running process was started with, read from /proc (Linux). */
function environmentOf(pid: number): Record<string, string> {
  const entries = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").filter(Boolean);
  return Object.fromEntries(entries.map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]));
}

describe("secrets under chains serve (fixtures/checkout: price-quote declares pricing_api_key)", () => {
  let built: BuiltChain;
  beforeAll(async () => {
    built = await buildFixtureChain("checkout");
  }, 120_000);
  afterAll(() => built?.remove());

  it("gives each process only the secrets its Chainlet declares", async () => {
    const served = await serveWithLogs(built.chainDir, {
      env: { CHAINS_SECRET_PRICING_API_KEY: "pk-test-123", CHAINS_SECRET_UNRELATED_TOKEN: "not-for-anyone" },
    });
    try {
      const answer = await request(`${served.url}/v1/run_remote`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ request: { items: [{ sku: "TEA-001", quantity: 1 }], shipTo: { country: "DE" }, currency: "EUR" } }),
      });
      expect(answer.statusCode, await answer.body.text()).toBe(200);
      for (const [name, chainlet] of Object.entries(served.chainlets)) {
        const env = environmentOf(chainlet.pid);
        expect(env.CHAINS_SECRET_UNRELATED_TOKEN, name).toBeUndefined();
        expect(env.CHAINS_SECRET_PRICING_API_KEY, name).toBe(name === "price-quote" ? "pk-test-123" : undefined);
      }
    } finally {
      await served.stop();
    }
  }, 120_000);

  it("refuses to start when a declared secret has no value, naming it and how to supply it", async () => {
    const attempt = serveWithLogs(built.chainDir, { env: { CHAINS_SECRET_PRICING_API_KEY: undefined, CHAINS_SECRETS_DIR: undefined } });
    await expect(attempt).rejects.toThrow(/"pricing_api_key" \(declared by Chainlet "price-quote"\): set CHAINS_SECRET_PRICING_API_KEY[\s\S]*CHAINS_SECRETS_DIR/);
  }, 60_000);

  it("a deployed Chainlet without its secret keeps /readyz at 503 naming the secret, and refuses calls with 503", async () => {
    const child = spawn(process.execPath, ["server.mjs"], {
      cwd: join(built.chainDir, "chainlets", "price-quote"),
      env: { PATH: process.env.PATH, PORT: "0", HOST: "127.0.0.1", CHAINS_DEPENDENCIES: JSON.stringify({ "exchange-rates": "http://127.0.0.1:9", "tax-rates": "http://127.0.0.1:9" }) },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    try {
      const listening = await new Promise<ListeningMessage>((resolve, reject) => {
        child.on("message", (m: ListeningMessage) => m?.type === LISTENING_MESSAGE && resolve(m));
        child.once("exit", (code) => reject(new Error(`exited with ${code}`)));
      });
      const url = listening.url;
      const ready = await request(`${url}/readyz`);
      expect(ready.statusCode).toBe(503);
      const body = (await ready.body.json()) as { reason: string };
      expect(body.reason).toContain('"pricing_api_key"');
      expect(body.reason).toContain("CHAINS_SECRET_PRICING_API_KEY");
      // What it told its supervisor with its URL is what /readyz answers, so `chains serve` need not poll.
      expect(listening.readiness).toEqual({ ready: false, reason: body.reason });
      const call = await request(`${url}/v1/run_remote`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      expect(call.statusCode).toBe(503);
      expect(await call.body.text()).toContain("pricing_api_key");
    } finally {
      child.kill("SIGKILL");
    }
  }, 60_000);
});
