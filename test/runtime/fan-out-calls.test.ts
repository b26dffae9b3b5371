import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChainletBase, depends } from "tschains";
import { DependencyTimeoutError, Transport } from "../../runtime-node/transport/transport.js";
import { bundleServerEntry, eachLine } from "./bundled-child.js";
import { closeAll, get, inputSchema, post, SCHEMA, serve } from "./harness.js";

// Issue 15, session 4: the per-call work of a fan-out (a shared deadline list instead of a timer per
// call, a free gate slot taken without a promise, the access log written in larger batches) keeps
// every behaviour these tests pin.

const servers: Server[] = [];
const transports: Transport[] = [];
const children: ChildProcess[] = [];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tschains-fan-out-"));
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  await Promise.all(transports.map((t) => t.close()));
  await closeAll();
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  await rm(dir, { recursive: true, force: true });
});

/**
 * A dependency that answers `{ id }` after the `delayMs` its JSON body asks for (never when it is
 * negative); records the order bodies arrive in.
 */
async function delayingDependency(): Promise<{ url: string; arrived: number[] }> {
  const arrived: number[] = [];
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (chunk: Buffer) => parts.push(chunk));
    req.on("end", () => {
      const { id, delayMs } = JSON.parse(Buffer.concat(parts).toString("utf8")) as { id: number; delayMs: number };
      arrived.push(id);
      if (delayMs < 0) return;
      setTimeout(() => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id })), delayMs);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, arrived };
}

function newTransport(): Transport {
  const transport = new Transport();
  transports.push(transport);
  return transport;
}

const outcome = (promise: Promise<unknown>) =>
  promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

describe("concurrent calls sharing one timeout", () => {
  it("time out each on its own deadline: the ones never answered fail with CH2120, the rest answer", async () => {
    const dependency = await delayingDependency();
    const endpoint = newTransport().endpoint("shard", dependency.url, { timeoutSec: 2 });
    const delays = [0, -1, 0, -1, 5, 0, -1, 10];
    const results = await Promise.all(delays.map((delayMs, id) => outcome(endpoint.call({ id, delayMs }))));
    results.forEach((result, id) => {
      if (delays[id] < 0) {
        expect(result.ok).toBe(false);
        expect((result as { error: unknown }).error).toBeInstanceOf(DependencyTimeoutError);
        expect(((result as { error: Error }).error).message).toBe('CH2120: call to "shard" timed out after 2s (timeoutSec)');
      } else {
        expect(result).toEqual({ ok: true, value: { id } });
      }
    });
  });

  it("gives a call started later its whole timeout, even when an earlier one times out first", async () => {
    const dependency = await delayingDependency();
    const endpoint = newTransport().endpoint("shard", dependency.url, { timeoutSec: 3 });
    const early = outcome(endpoint.call({ id: 1, delayMs: -1 }));
    await new Promise((resolve) => setTimeout(resolve, 2000));
    // Answered ≈ 3.5 s after the first call started, past its deadline (3 s) and well before its own (5 s).
    const late = outcome(endpoint.call({ id: 2, delayMs: 1500 }));
    expect((await early).ok).toBe(false);
    expect(await late).toEqual({ ok: true, value: { id: 2 } });
  });

  it("keeps calls with different timeouts apart", async () => {
    const dependency = await delayingDependency();
    const transport = newTransport();
    const short = transport.endpoint("short", dependency.url, { timeoutSec: 0.3 });
    const long = transport.endpoint("long", dependency.url, { timeoutSec: 4 });
    const [a, b] = await Promise.all([outcome(short.call({ id: 1, delayMs: -1 })), outcome(long.call({ id: 2, delayMs: 600 }))]);
    expect(a.ok).toBe(false);
    expect(((a as { error: Error }).error).message).toBe('CH2120: call to "short" timed out after 0.3s (timeoutSec)');
    expect(b).toEqual({ ok: true, value: { id: 2 } });
  });

  it("leave no timer behind: a process whose calls are done exits without waiting for their timeout", async () => {
    const bundle = join(dir, "fan-out-child.mjs");
    await bundleServerEntry(fileURLToPath(new URL("./fan-out-child.ts", import.meta.url)), bundle);
    const child = spawn(process.execPath, [bundle], { stdio: ["ignore", "pipe", "inherit"] });
    children.push(child);
    const lines: string[] = [];
    eachLine(child.stdout!, (line) => lines.push(line));
    // Bounded: the calls' timeout is 600 s; a timer left behind would keep the child alive past this.
    const exit = await new Promise<number | null | "still running">((resolve) => {
      const guard = setTimeout(() => resolve("still running"), 20_000);
      child.once("close", (code) => {
        clearTimeout(guard);
        resolve(code);
      });
    });
    expect(exit).toBe(0);
    expect(lines).toEqual([JSON.stringify(Array.from({ length: 8 }, () => "ok"))]);
  });
});

describe("the concurrency limit of a fan-out", () => {
  it("sends calls past the limit in the order they were made, never more at once than the limit", async () => {
    const dependency = await delayingDependency();
    const endpoint = newTransport().endpoint("limited", dependency.url, { concurrencyLimit: 2 });
    const answers = await Promise.all(Array.from({ length: 8 }, (_, id) => endpoint.call({ id, delayMs: 20 })));
    expect(answers).toEqual(Array.from({ length: 8 }, (_, id) => ({ id })));
    // The first two start at once (either may arrive first); the waiting ones go in order.
    expect([...dependency.arrived.slice(0, 2)].sort()).toEqual([0, 1]);
    expect(dependency.arrived.slice(2)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(endpoint.gate.inFlight).toBe(0);
  });
});

describe("the access log of a busy Chainlet", () => {
  it("writes every request's line, whole and promptly, while the process keeps serving", async () => {
    const bundle = join(dir, "server.mjs");
    await bundleServerEntry(fileURLToPath(new URL("./drain-entry.ts", import.meta.url)), bundle);
    const child = spawn(process.execPath, [bundle], { env: { ...process.env, PORT: "0", HOST: "127.0.0.1" }, stdio: ["ignore", "pipe", "inherit"] });
    children.push(child);
    const lines: string[] = [];
    const url = await new Promise<string>((resolve, reject) => {
      eachLine(child.stdout!, (line) => {
        lines.push(line);
        if (line.includes("listening on")) resolve((JSON.parse(line) as { url: string }).url);
      });
      child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
    });
    // 300 lines of ≈ 250 bytes: several batches' worth.
    const ids = Array.from({ length: 300 }, (_, i) => `fan-out-${i}`);
    for (let i = 0; i < ids.length; i += 30) {
      await Promise.all(ids.slice(i, i + 30).map((id) => post(url, { ms: 0 }, { headers: { "x-request-id": id } })));
    }
    // Lines come within the batch's time bound without the process exiting (bounded wait).
    for (let waited = 0; waited < 100 && accessIds(lines).length < ids.length; waited++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(child.exitCode).toBeNull();
    expect(accessIds(lines).sort()).toEqual([...ids].sort());
    child.kill("SIGTERM");
  });
});

/** The request ids of the access lines among `lines`; every line must be one whole JSON object. */
function accessIds(lines: string[]): string[] {
  return lines.map((line) => JSON.parse(line) as { requestId?: string; msg?: string }).flatMap((entry) => (entry.requestId?.startsWith("fan-out-") ? [entry.requestId] : []));
}


interface ShardHit {
  shard: number;
  label: string;
}

class Shard extends ChainletBase {
  runRemote(mode: string, shard: number): ShardHit {
    return { shard, label: `${mode}#${shard}` };
  }
}

class Scatter extends ChainletBase {
  constructor(private readonly shards = depends(Shard)) {
    super();
  }
  async runRemote(mode: string): Promise<ShardHit[]> {
    return Promise.all(Array.from({ length: 8 }, (_, shard) => this.shards.runRemote(mode, shard)));
  }
}

const hit = { type: "object", properties: { shard: { type: "number" }, label: { type: "string" } }, required: ["shard", "label"], additionalProperties: false };

/**
 * A raw `shard` dependency: answers each call's `{ mode, shard }` as Shard would, except mode "hold"
 * (never answers) and "wrong" (shard 3 answers a value of the wrong shape). Records every call's
 * headers and when its connection closes.
 */
async function rawShards() {
  const calls: Array<{ headers: Record<string, string | string[] | undefined>; closed: Promise<void> }> = [];
  const server = createServer((req, res) => {
    const closed = new Promise<void>((resolve) => res.once("close", () => resolve()));
    calls.push({ headers: req.headers, closed });
    const parts: Buffer[] = [];
    req.on("data", (chunk: Buffer) => parts.push(chunk));
    req.on("end", () => {
      const { mode, shard } = JSON.parse(Buffer.concat(parts).toString("utf8")) as { mode: string; shard: number };
      if (mode === "hold") return;
      const answer = mode === "wrong" && shard === 3 ? { shard: "three" } : { shard, label: `${mode}#${shard}` };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const scatter = await serve(
    { chainlet: Scatter, input: inputSchema({ mode: { type: "string" } }), output: { $schema: SCHEMA, type: "array", items: hit }, dependencies: { shard: { parameters: ["mode", "shard"], output: { $schema: SCHEMA, ...hit } } } },
    { CHAINS_DEPENDENCIES: JSON.stringify({ shard: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }) },
  );
  return { scatter, calls };
}

describe("a served fan-out of eight calls", () => {
  it("answers in call order and carries the request id and trace to every call, each with a span id of its own", async () => {
    const { scatter, calls } = await rawShards();
    const traceId = "0af7651916cd43dd8448eb211c80319c";
    const answer = await post(scatter.url, { mode: "ok" }, { headers: { "x-request-id": "fan-req-1", traceparent: `00-${traceId}-b7ad6b7169203331-01` } });
    expect(answer.body).toEqual(Array.from({ length: 8 }, (_, shard) => ({ shard, label: `ok#${shard}` })));
    expect(calls.map((c) => c.headers["x-request-id"])).toEqual(Array(8).fill("fan-req-1"));
    const parents = calls.map((c) => /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(String(c.headers.traceparent)));
    expect(parents.map((p) => p?.[1])).toEqual(Array(8).fill(traceId));
    expect(new Set(parents.map((p) => p?.[2])).size).toBe(8);
  });

  it("cancels every call in flight when the outside caller goes away, counted as cancelled", async () => {
    const { scatter, calls } = await rawShards();
    const gone = new AbortController();
    const pending = request(`${scatter.url}/v1/run_remote`, { method: "POST", body: JSON.stringify({ mode: "hold" }), headers: { "content-type": "application/json" }, signal: gone.signal }).catch(() => undefined);
    for (let waited = 0; waited < 200 && calls.length < 8; waited++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(calls).toHaveLength(8);
    gone.abort();
    await pending;
    // Every held call's connection is closed by the caller's cancel (each would otherwise wait its 600 s timeout).
    await Promise.all(calls.map((c) => c.closed));
    const metrics = (await get(scatter.url, "/metrics")).text;
    expect(metrics).toMatch(/chains_dependency_errors_total\{dependency="shard",kind="cancelled",chainlet="scatter"\} 8/);
    expect(metrics).toMatch(/chains_dependency_calls_total\{dependency="shard",outcome="error",chainlet="scatter"\} 8/);
  });

  it("refuses an answer of the wrong shape with CH2126, the call itself counted as answered", async () => {
    const { scatter } = await rawShards();
    const answer = await post(scatter.url, { mode: "wrong" });
    expect(answer.status).toBe(500);
    expect([answer.body.error.type, answer.body.error.code]).toEqual(["DependencyOutputError", "CH2126"]);
    const metrics = (await get(scatter.url, "/metrics")).text;
    expect(metrics).toMatch(/chains_dependency_calls_total\{dependency="shard",outcome="ok",chainlet="scatter"\} 8/);
    expect(metrics).not.toMatch(/chains_dependency_calls_total\{dependency="shard",outcome="error"/);
  });
});
