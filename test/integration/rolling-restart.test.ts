import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Pool } from "undici";
import { buildFixtureChain, serveWithLogs, type BuiltChain, type ServedWithLogs } from "./served-fixture.js";

const PER_REQUEST_TIMEOUT_MS = 30_000;

describe("a rolling restart of a middle Chainlet under load (fixtures/checkout)", () => {
  let built: BuiltChain;
  let served: ServedWithLogs;

  beforeAll(async () => {
    built = await buildFixtureChain("checkout");
    served = await serveWithLogs(built.chainDir, { env: { CHAINS_SECRET_PRICING_API_KEY: "not-a-real-key" } });
  });
  afterAll(async () => {
    await served?.stop();
    built?.remove();
  });

  it("loses no request while price-quote drains, exits and starts again on the same address", async () => {
    const pool = new Pool(served.url, { connections: 8 });
    const body = JSON.stringify({ request: { items: [{ sku: "TEA-001", quantity: 2 }], currency: "EUR", shipTo: { country: "DE" } } });
    const oldPid = served.chainlets["price-quote"].pid;
    const answers: { status: number; text: string }[] = [];
    let restart: Promise<unknown> | undefined;
    let started = 0;
    const worker = async () => {
      // Bounded load: 8 workers, 240 calls in all; the restart begins after 40 answers.
      while (started < 240) {
        started++;
        const response = await pool.request({ method: "POST", path: "/v1/run_remote", headers: { "content-type": "application/json" }, body, headersTimeout: PER_REQUEST_TIMEOUT_MS, bodyTimeout: PER_REQUEST_TIMEOUT_MS });
        answers.push({ status: response.statusCode, text: await response.body.text() });
        if (answers.length === 40) restart = served.restart("price-quote");
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    await restart;
    expect(served.chainlets["price-quote"].pid).not.toBe(oldPid);
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    expect(answers).toHaveLength(240);
    expect(answers.every((a) => JSON.parse(a.text).orderId === "ord-tea-001x2")).toBe(true);
    await pool.close();
  });
});
