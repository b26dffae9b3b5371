import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { ChainletBase, depends, HttpError } from "tschains";
import { RETRY_FINAL, RETRY_HEADER } from "../../runtime-node/protocol/http.js";
import { RetryBudget } from "../../runtime-node/transport/retry-policy.js";
import { Transport } from "../../runtime-node/transport/transport.js";
import { closeAll, get, inputSchema, post, serve } from "./harness.js";

const S = "https://json-schema.org/draft/2020-12/schema";
const servers: Server[] = [];
afterAll(async () => {
  await closeAll();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

const leafCalls = { count: 0 };

class Leaf extends ChainletBase {
  async runRemote(mode: string): Promise<string> {
    leafCalls.count++;
    if (mode === "down") throw new HttpError(503, "leaf is down");
    if (mode === "slow") await new Promise((r) => setTimeout(r, 3_000));
    return "leaf ok";
  }
}
class Mid extends ChainletBase {
  constructor(private readonly leaf = depends(Leaf, { retries: 2, timeoutSec: 1 })) {
    super();
  }
  async runRemote(mode: string): Promise<string> {
    return `mid(${await this.leaf.runRemote(mode)})`;
  }
}
class Head extends ChainletBase {
  constructor(private readonly mid = depends(Mid, { retries: 2 })) {
    super();
  }
  async runRemote(mode: string): Promise<string> {
    return `head(${await this.mid.runRemote(mode)})`;
  }
}

const io = { input: inputSchema({ mode: { type: "string" } }), output: { $schema: S, type: "string" } };
const dep = (name: string) => ({ [name]: { parameters: ["mode"], output: io.output } });

async function threeDeep() {
  const leaf = await serve({ chainlet: Leaf, ...io });
  const mid = await serve({ chainlet: Mid, ...io, dependencies: dep("leaf") }, { CHAINS_DEPENDENCIES: JSON.stringify({ leaf: leaf.url }) });
  const head = await serve({ chainlet: Head, ...io, dependencies: dep("mid") }, { CHAINS_DEPENDENCIES: JSON.stringify({ mid: mid.url }) });
  return { leaf, mid, head };
}

describe("retries across hops", () => {
  it("retries only at the hop nearest the fault: an always-503 leaf three deep gets 1 + retries calls", async () => {
    const { head } = await threeDeep();
    leafCalls.count = 0;
    // The outside caller retries too, as a generated client would: the answer is marked final.
    const transport = new Transport({ retryBaseMs: 1 });
    const error: any = await transport.endpoint("head", head.url, { retries: 3 }).call({ mode: "down" }).catch((e: unknown) => e);
    expect(error.status).toBe(503);
    expect(leafCalls.count).toBe(3);
    expect(error.message).toContain('dependency "head" failed: 503 leaf is down');
    const answer = await post(head.url, { mode: "down" });
    expect(answer.status).toBe(503);
    expect(answer.headers[RETRY_HEADER]).toBe(RETRY_FINAL);
    expect(answer.body.error.message).toBe('CH2122: dependency "mid" failed: 503 leaf is down');
    await transport.close();
  });

  it("answers a dependency timeout as a 504 naming the dependency and the limit, on every hop up", async () => {
    const { head, mid } = await threeDeep();
    const atMid = await post(mid.url, { mode: "slow" });
    expect(atMid.status).toBe(504);
    expect(atMid.body.error.message).toBe('CH2120: call to "leaf" timed out after 1s (timeoutSec)');
    const atHead = await post(head.url, { mode: "slow" });
    expect(atHead.status).toBe(504);
    expect(atHead.body.error.message).toBe('CH2122: dependency "mid" failed: 504 CH2120: call to "leaf" timed out after 1s (timeoutSec)');
  });

  it("answers a 401 between Chainlets as a 502 carrying the root cause, not as the outside caller's 401", async () => {
    const leaf = await serve({ chainlet: Leaf, ...io }, { CHAINS_AUTH_TOKEN: "tok-leaf-only" });
    const mid = await serve({ chainlet: Mid, ...io, dependencies: dep("leaf") }, { CHAINS_AUTH_TOKEN: "tok-other-one", CHAINS_DEPENDENCIES: JSON.stringify({ leaf: leaf.url }) });
    const answer = await post(mid.url, { mode: "ok" }, { headers: { authorization: "Bearer tok-other-one" } });
    expect(answer.status).toBe(502);
    expect(answer.body.error.code).toBe("CH2127");
    expect(answer.body.error.message).toMatch(/^CH2127: dependency "leaf" refused this Chainlet's credentials: 403 CH2109: the bearer token is not accepted here/);
  });

  it("puts the root cause of a foreign service's failure in the top-level message", async () => {
    const server = createServer((req, res) => {
      req.resume();
      res.writeHead(401, { "content-type": "text/plain" }).end("bad hf token");
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const transport = new Transport({ retryBaseMs: 1 });
    const error: any = await transport.endpoint("vocabulary", `http://127.0.0.1:${(server.address() as AddressInfo).port}`).call({}).catch((e: unknown) => e);
    expect(error.message.split("\n")[0]).toBe('CH2127: dependency "vocabulary" refused this Chainlet\'s credentials: 401 bad hf token (a fault between services, not of the caller\'s credentials)');
    await transport.close();
  });

  it("keeps retries within the per-dependency budget when the dependency is down", async () => {
    let calls = 0;
    const server = createServer((req, res) => {
      req.resume();
      calls++;
      res.writeHead(503, { "content-type": "application/json" }).end(JSON.stringify({ error: { type: "X", message: "down", chainlet: "x", stack: "", cause: null } }));
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const transport = new Transport({ retryBaseMs: 1 });
    const endpoint = transport.endpoint("down", `http://127.0.0.1:${(server.address() as AddressInfo).port}`, { retries: 3 });
    for (let i = 0; i < 20; i++) await endpoint.call({}).catch(() => undefined);
    // Without a budget: 20 * (1 + 3) = 80 calls. With it: 20 calls plus the budget's first 3 retries.
    expect(calls).toBe(23);
    await transport.close();
  });

  it("refills the budget with successes, about one retry per ten successful calls", () => {
    const budget = new RetryBudget();
    const allowed = Array.from({ length: 8 }, () => budget.failedMayRetry());
    expect(allowed).toEqual([true, true, true, true, false, false, false, false]);
    for (let i = 0; i < 40; i++) budget.succeeded();
    expect(budget.failedMayRetry()).toBe(false);
    for (let i = 0; i < 20; i++) budget.succeeded();
    expect(budget.failedMayRetry()).toBe(true);
  });

  it("sends a call that never started again whatever `retries` says, once the dependency listens", async () => {
    const placeholder = createServer();
    await new Promise<void>((r) => placeholder.listen(0, "127.0.0.1", r));
    const port = (placeholder.address() as AddressInfo).port;
    await new Promise((r) => placeholder.close(r));
    const transport = new Transport({ retryBaseMs: 50 });
    const pending = transport.endpoint("late", `http://127.0.0.1:${port}`, { retries: 0 }).call({});
    await new Promise((r) => setTimeout(r, 150));
    const late = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "application/json" }).end('"late ok"');
    });
    servers.push(late);
    await new Promise<void>((r) => late.listen(port, "127.0.0.1", r));
    expect(await pending).toBe("late ok");
    await transport.close();
  });

  it("answers 20 oversized bodies in a row, each with a readable 413", async () => {
    const leaf = await serve({ chainlet: Leaf, ...io }, { CHAINS_MAX_BODY_BYTES: "1024" });
    const big = JSON.stringify({ mode: "x".repeat(2 * 1024 * 1024) });
    for (let i = 0; i < 20; i++) {
      const answer = await post(leaf.url, undefined, { raw: big });
      expect(answer.status).toBe(413);
      expect(answer.body.error.code).toBe("CH2103");
    }
    expect((await get(leaf.url, "/healthz")).status).toBe(200);
  });
});
