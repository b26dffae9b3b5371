import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { request } from "undici";
import { buildFixtureChain, serveWithLogs, until, type BuiltChain, type ServedWithLogs } from "./served-fixture.js";

// Shaped like a SKU on purpose: sending it as one makes PriceQuote put it into an error message
// ("unknown SKUs: ..."), so redaction has a real leak to stop, in the envelope and in the logs.
const SECRET = "ZQX-913";

async function checkout(url: string, body: unknown): Promise<{ status: number; text: string; json: any }> {
  const response = await request(`${url}/v1/run_remote`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const text = await response.body.text();
  return { status: response.statusCode, text, json: JSON.parse(text) };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe("a served four-level chain (fixtures/checkout)", () => {
  let built: BuiltChain;
  let served: ServedWithLogs;
  const basket = { items: [{ sku: "TEA-001", quantity: 2 }], currency: "EUR" as const };

  beforeAll(async () => {
    built = await buildFixtureChain("checkout");
    served = await serveWithLogs(built.chainDir, { env: { CHAINS_SECRET_PRICING_API_KEY: SECRET } });
  });
  afterAll(async () => {
    await served?.stop();
    built?.remove();
  });

  it("answers a good order", async () => {
    const answer = await checkout(served.url, { request: { ...basket, shipTo: { country: "DE" } } });
    expect(answer.status).toBe(200);
    expect(answer.json.orderId).toBe("ord-tea-001x2");
  });

  it("brings TaxRates' HttpError 422 three hops up with every cause and the .ts line", async () => {
    const answer = await checkout(served.url, { request: { ...basket, shipTo: { country: "XX" } } });
    expect(answer.status).toBe(422);
    const error = answer.json.error;
    expect(error).toMatchObject({
      type: "RemoteError",
      chainlet: "checkout",
      code: "CH2122",
      cause: {
        type: "RemoteError",
        chainlet: "price-quote",
        cause: { type: "HttpError", chainlet: "tax-rates", message: "no tax rate for XX", cause: null },
      },
    });
    expect(error.cause.cause.stack).toMatch(/tax-rates\.ts:\d+(:\d+)?/);
    expect(error.stack).toMatch(/chain\.ts:\d+/);
  });

  it("keeps the secret out of every log line, every error envelope and every build artifact", async () => {
    const leaky = await checkout(served.url, { request: { ...basket, items: [{ sku: SECRET, quantity: 1 }], shipTo: { country: "DE" } } });
    expect(leaky.status).toBe(404);
    expect(leaky.json.error.cause).toMatchObject({ chainlet: "price-quote", message: "unknown SKUs: [redacted]" });
    const failures = [
      leaky,
      await checkout(served.url, { request: { ...basket, shipTo: { country: "XX" } } }),
      await checkout(served.url, { request: { ...basket, items: [] } }),
      await checkout(served.url, { nope: SECRET }),
    ];
    for (const failure of failures) {
      expect(failure.status).toBeGreaterThanOrEqual(400);
      expect(failure.text).not.toContain(SECRET);
    }
    const redactedLine = () => served.logs.some((line) => line.chainlet === "price-quote" && line.line.includes("unknown SKUs: [redacted]"));
    // Log lines travel through a pipe: wait (bounded) until PriceQuote's line about the leak arrived.
    await until(redactedLine);
    expect(served.logs.some((line) => line.chainlet === "price-quote" && line.line.includes("unknown SKUs: [redacted]"))).toBe(true);
    expect(served.logs.filter((line) => line.line.includes(SECRET))).toEqual([]);
    for (const file of filesUnder(built.outDir)) expect(readFileSync(file).includes(SECRET), file).toBe(false);
  });
});
