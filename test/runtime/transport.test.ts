import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { ChainletBase, depends, HttpError } from "tschains";
import { backoffDelayMs } from "../../runtime-node/transport/retry-policy.js";
import { RemoteError } from "../../runtime-node/errors/remote-error.js";
import { Transport } from "../../runtime-node/transport/transport.js";
import { closeAll, get, inputSchema, post, serve } from "./harness.js";

const S = "https://json-schema.org/draft/2020-12/schema";
const servers: Server[] = [];
afterAll(async () => {
  await closeAll();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

/** A plain HTTP server answering from a script of statuses; records what it saw. */
async function scripted(statuses: number[], headers: Record<string, string> = {}) {
  const seen: { authorization?: string; requestId?: string; traceparent?: string }[] = [];
  const server = createServer((req, res) => {
    req.resume();
    seen.push({ authorization: req.headers.authorization, requestId: req.headers["x-request-id"] as string, traceparent: req.headers.traceparent as string });
    const status = statuses[Math.min(seen.length - 1, statuses.length - 1)];
    res.writeHead(status, { "content-type": "application/json", ...(status === 200 ? {} : headers) });
    res.end(status === 200 ? JSON.stringify("ok") : JSON.stringify({ error: { type: "X", message: `status ${status}`, chainlet: "scripted", stack: "", cause: null } }));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe("retry policy", () => {
  it("retries 503 until it succeeds, counting retries as extra attempts", async () => {
    const target = await scripted([503, 503, 200]);
    const transport = new Transport({ retryBaseMs: 1, authToken: "tok-123456" });
    expect(await transport.endpoint("flaky", target.url, { retries: 2 }).call({})).toBe("ok");
    expect(target.seen).toHaveLength(3);
    expect(target.seen[0].authorization).toBe("Bearer tok-123456");
    await transport.close();
  });

  it("gives up after `retries` extra attempts with the last remote error", async () => {
    const target = await scripted([503], { "retry-after": "0" });
    const transport = new Transport({ retryBaseMs: 1 });
    const error: any = await transport.endpoint("down", target.url, { retries: 1 }).call({}).catch((e: any) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error.status).toBe(503);
    expect(target.seen).toHaveLength(2);
    await transport.close();
  });

  it.each([400, 404, 422, 500])("never retries %i", async (status) => {
    const target = await scripted([status, 200]);
    const transport = new Transport({ retryBaseMs: 1 });
    const error: any = await transport.endpoint("strict", target.url, { retries: 3 }).call({}).catch((e: any) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect(target.seen).toHaveLength(1);
    await transport.close();
  });

  it("retries 429, 502 and 504", async () => {
    const target = await scripted([429, 502, 504, 200]);
    const transport = new Transport({ retryBaseMs: 1 });
    expect(await transport.endpoint("busy", target.url, { retries: 3 }).call({})).toBe("ok");
    await transport.close();
  });

  it("retries connection failures, then names the unreachable dependency", async () => {
    const target = await scripted([200]);
    const dead = target.url;
    await new Promise((r) => servers.pop()!.close(r));
    const transport = new Transport({ retryBaseMs: 1 });
    const error: any = await transport.endpoint("gone", dead, { retries: 2 }).call({}).catch((e: any) => e);
    expect(error.code).toBe("CH2121");
    expect(error.message).toContain('"gone"');
    await transport.close();
  });

  it("backs off exponentially, never shrinking between retries even with jitter", () => {
    for (const random of [() => 0, () => 0.5, () => 0.999]) {
      const delays = [0, 1, 2, 3, 4].map((attempt) => backoffDelayMs(attempt, 100, random));
      for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1]);
      expect(delays[4]).toBeGreaterThan(delays[0] * 8);
    }
    expect(backoffDelayMs(0, 100, () => 0)).toBe(100);
    expect(backoffDelayMs(0, 100, () => 0.999)).toBeLessThan(200);
  });
});

class Sleeper extends ChainletBase {
  async runRemote(ms: number): Promise<number> {
    await new Promise((r) => setTimeout(r, ms));
    return ms;
  }
}
const sleeper = { chainlet: Sleeper, input: inputSchema({ ms: { type: "number" } }), output: { $schema: S, type: "number" } };

class Impatient extends ChainletBase {
  constructor(private readonly sleeper = depends(Sleeper, { timeoutSec: 0.2 })) {
    super();
  }
  async runRemote(ms: number): Promise<number> {
    return this.sleeper.runRemote(ms);
  }
}

describe("timeouts and concurrency", () => {
  it("surfaces a timeout error naming the dependency", async () => {
    const callee = await serve(sleeper);
    const caller = await serve(
      { chainlet: Impatient, input: inputSchema({ ms: { type: "number" } }), output: { $schema: S, type: "number" }, dependencies: { sleeper: { parameters: ["ms"], output: sleeper.output } } },
      { CHAINS_DEPENDENCIES: JSON.stringify({ sleeper: callee.url }) },
    );
    expect((await post(caller.url, { ms: 1 })).body).toBe(1);
    const answer = await post(caller.url, { ms: 3000 });
    expect(answer.status).toBe(500);
    expect(answer.body.error.type).toBe("DependencyTimeoutError");
    expect(answer.body.error.message).toBe('CH2120: call to "sleeper" timed out after 0.2s (timeoutSec)');
  });

  it("queues beyond compute.concurrency and answers 503 with Retry-After beyond the queue", async () => {
    const s = await serve({ ...sleeper, concurrency: 2 }, { CHAINS_MAX_QUEUE: "2" });
    const calls = Array.from({ length: 8 }, () => post(s.url, { ms: 300 }));
    const answers = await Promise.all(calls);
    const ok = answers.filter((a) => a.status === 200);
    const shed = answers.filter((a) => a.status === 503);
    expect(ok).toHaveLength(4);
    expect(shed).toHaveLength(4);
    expect(shed[0].headers["retry-after"]).toBe("1");
    expect(shed[0].body.error.code).toBe("CH2110");
    expect((await get(s.url, "/readyz")).status).toBe(200);
    expect((await get(s.url, "/metrics")).text).toMatch(/chains_run_remote_rejected_total\{chainlet="sleeper"\} 4/);
  });

  it("bounds in-flight calls per dependency with concurrencyLimit", async () => {
    let inFlight = 0;
    let peak = 0;
    const server = createServer((req, res) => {
      req.resume();
      inFlight++;
      peak = Math.max(peak, inFlight);
      setTimeout(() => {
        inFlight--;
        res.writeHead(200, { "content-type": "application/json" }).end("1");
      }, 20);
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const transport = new Transport();
    const endpoint = transport.endpoint("limited", `http://127.0.0.1:${(server.address() as AddressInfo).port}`, { concurrencyLimit: 3 });
    await Promise.all(Array.from({ length: 12 }, () => endpoint.call({})));
    expect(peak).toBe(3);
    await transport.close();
  });
});

class Bottom extends ChainletBase {
  async runRemote(mode: string): Promise<string> {
    if (mode === "http") throw new HttpError(422, "text is too short");
    if (mode === "bug") throw new TypeError("cannot read properties of undefined");
    return "bottom ok";
  }
}
class Middle extends ChainletBase {
  constructor(private readonly bottom = depends(Bottom)) {
    super();
  }
  async runRemote(mode: string): Promise<string> {
    return `middle(${await this.bottom.runRemote(mode)})`;
  }
}
class Top extends ChainletBase {
  constructor(private readonly middle = depends(Middle)) {
    super();
  }
  async runRemote(mode: string): Promise<string> {
    return `top(${await this.middle.runRemote(mode)})`;
  }
}

describe("errors across three hops", () => {
  const io = { input: inputSchema({ mode: { type: "string" } }), output: { $schema: S, type: "string" } };
  const dep = (name: string) => ({ [name]: { parameters: ["mode"], output: io.output } });

  async function chain() {
    const bottom = await serve({ chainlet: Bottom, ...io }, { CHAINS_AUTH_TOKEN: "tok-chain-1" });
    const middle = await serve({ chainlet: Middle, ...io, dependencies: dep("bottom") }, { CHAINS_AUTH_TOKEN: "tok-chain-1", CHAINS_DEPENDENCIES: JSON.stringify({ bottom: bottom.url }) });
    const top = await serve({ chainlet: Top, ...io, dependencies: dep("middle") }, { CHAINS_AUTH_TOKEN: "tok-chain-1", CHAINS_DEPENDENCIES: JSON.stringify({ middle: middle.url }) });
    return { top, middle, bottom };
  }
  const auth = { headers: { authorization: "Bearer tok-chain-1", "x-request-id": "req-abc-123", traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" } };

  it("passes answers through, and request id / trace id to every hop", async () => {
    const { top, bottom } = await chain();
    const answer = await post(top.url, { mode: "ok" }, auth);
    expect(answer.body).toBe("top(middle(bottom ok))");
    const bottomLine = bottom.logs.map((l) => JSON.parse(l)).find((l) => l.route === "/v1/run_remote");
    expect(bottomLine.requestId).toBe("req-abc-123");
  });

  it("keeps an HttpError's status on every hop and nests every cause", async () => {
    const { top } = await chain();
    const answer = await post(top.url, { mode: "http" }, auth);
    expect(answer.status).toBe(422);
    const e = answer.body.error;
    expect(e).toMatchObject({ type: "RemoteError", chainlet: "top" });
    expect(e.cause).toMatchObject({ type: "RemoteError", chainlet: "middle" });
    expect(e.cause.cause).toMatchObject({ type: "HttpError", chainlet: "bottom", message: "text is too short", cause: null });
    expect(e.cause.cause.stack).toMatch(/transport\.test\.ts:\d+/);
  });

  it("turns a bug three hops down into a 500 whose RemoteError message shows the whole chain", async () => {
    const { top } = await chain();
    const answer = await post(top.url, { mode: "bug" }, auth);
    expect(answer.status).toBe(500);
    expect(answer.body.error.cause.cause).toMatchObject({ type: "TypeError", chainlet: "bottom" });
    const transport = new Transport({ authToken: "tok-chain-1" });
    const error: any = await transport.endpoint("top", top.url).call({ mode: "bug" }).catch((x: any) => x);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error.message).toContain("in top: RemoteError");
    expect(error.message).toContain("caused by middle: RemoteError");
    expect(error.message).toContain("caused by bottom: TypeError: cannot read properties of undefined");
    expect(error.message).toMatch(/transport\.test\.ts:\d+/);
    await transport.close();
  });
});
