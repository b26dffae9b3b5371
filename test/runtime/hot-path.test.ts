import { Histogram, Registry } from "prom-client";
import { pino } from "pino";
import { createServer, METHODS, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { request } from "undici";
import { afterAll, describe, expect, it } from "vitest";
import { ChainletBase } from "tschains";
import { accessLineWriter, AccessRecord, isoTime } from "../../runtime-node/observability/access-log.js";
import { contextFromHeaders } from "../../runtime-node/observability/request-context.js";
import { ROUTES } from "../../runtime-node/protocol/http.js";
import { HistogramCells } from "../../runtime-node/observability/metric-cells.js";
import { bearerChecker } from "../../runtime-node/server/auth.js";
import { toJsonText } from "../../runtime-node/wire/wire-codec.js";
import { DependencyTimeoutError, DependencyUnavailableError, Transport } from "../../runtime-node/transport/transport.js";
import { RemoteError } from "../../runtime-node/errors/remote-error.js";
import { closeAll, get, inputSchema, post, serve } from "./harness.js";

const rawServers: Server[] = [];
/** `x-request-id` values a caller may send that a log line could not hold as they are: the server replaces them. */
const HOSTILE_REQUEST_IDS = ['a"b', "a\\b", "a\nb", "é", "a b", "a/b", "x".repeat(129), "", "\u2028", "<script>"];
const transport = new Transport({ retryBaseMs: 5, maxAnswerBytes: 1024 });
afterAll(async () => {
  await transport.close();
  await closeAll();
  for (const server of rawServers) server.closeAllConnections();
  await Promise.all(rawServers.map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A node:http server answering every request with `answer`; counts the requests it saw. */
async function answering(answer: (res: ServerResponse) => void): Promise<{ url: string; requests: () => number }> {
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    req.resume();
    req.once("end", () => answer(res));
  });
  rawServers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => requests };
}

describe("bearer check without hashing per request", () => {
  const token = "a".repeat(20) + "Zz09-_~";
  const check = bearerChecker([token, "second-token-é"]);

  it("accepts exactly the accepted tokens", () => {
    expect(check(`Bearer ${token}`)).toBe("ok");
    expect(check(`bearer   ${token}  `)).toBe("ok");
    expect(check("Bearer second-token-é")).toBe("ok");
  });

  it("refuses prefixes, extensions, zero padding and near misses as wrong, and absent tokens as missing", () => {
    for (const wrong of [token.slice(0, -1), `${token}x`, `${token}\u0000`, token.toUpperCase(), "second-token-e", "x"]) {
      expect(check(`Bearer ${wrong}`)).toBe("wrong");
    }
    expect(check(undefined)).toBe("missing");
    expect(check(`Basic ${token}`)).toBe("missing");
    expect(check("Bearer ")).toBe("missing");
  });

  it("compares tokens longer than the fixed buffer through their digests", () => {
    const long = "L".repeat(300);
    const longCheck = bearerChecker([long, "short-one"]);
    expect(longCheck(`Bearer ${long}`)).toBe("ok");
    expect(longCheck(`Bearer ${long}M`)).toBe("wrong");
    expect(longCheck(`Bearer ${long.slice(0, 256)}`)).toBe("wrong");
    expect(longCheck("Bearer short-one")).toBe("ok");
  });
});

describe("access log records", () => {
  it("serialise to the very line pino writes for the same call", () => {
    const lines: string[] = [];
    const logger = pino({ base: { chainlet: "say-hello", buildId: "b-1" }, timestamp: () => `,"time":"${isoTime(1_700_000_000_123)}"` }, { write: (l: string) => void lines.push(l) });
    logger.info({ requestId: "req-1.2:3", route: "/v1/run_remote", method: "POST", status: 200, durationMs: 1.3, aborted: false }, "POST /v1/run_remote 200");
    const line = accessLineWriter(`,${JSON.stringify({ chainlet: "say-hello", buildId: "b-1" }).slice(1, -1)}`);
    expect(line(new AccessRecord(1_700_000_000_123, "req-1.2:3", "/v1/run_remote", "POST", 200, 1.3, false))).toBe(lines[0]);
  });

  it("need no escaping: every route, every method Node parses, any request id the server keeps, as pino writes them", () => {
    const base = { chainlet: "say-hello" };
    const line = accessLineWriter(`,${JSON.stringify(base).slice(1, -1)}`);
    const requestIds = ["a", `${"AZaz09_.:-".repeat(12)}az09_.:-`, ...HOSTILE_REQUEST_IDS.map((id) => contextFromHeaders(id, undefined).requestId)];
    for (const route of [...Object.keys(ROUTES), "unknown"]) {
      for (const method of METHODS) {
        for (const requestId of requestIds) {
          const lines: string[] = [];
          const logger = pino({ base, timestamp: () => `,"time":"${isoTime(1_700_000_000_123)}"` }, { write: (l: string) => void lines.push(l) });
          logger.info({ requestId, route, method, status: 404, durationMs: 0.1, aborted: true }, `${method} ${route} 404`);
          expect(line(new AccessRecord(1_700_000_000_123, requestId, route, method, 404, 0.1, true))).toBe(lines[0]);
        }
      }
    }
  });

  it("timestamps as Date.toISOString does, across seconds and milliseconds", () => {
    for (const ms of [0, 7, 1_700_000_000_000, 1_700_000_000_009, 1_700_000_000_099, 1_700_000_000_999, 1_700_000_001_000, Date.now()]) {
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
  });
});

describe("histograms kept in cells", () => {
  it("render exactly as a prom-client Histogram with the same observations", async () => {
    const buckets = [0.001, 0.01, 0.1, 1];
    const observations = [0.0005, 0.001, 0.02, 0.02, 0.5, 3];
    const theirs = new Registry();
    theirs.setDefaultLabels({ chainlet: "c" });
    const reference = new Histogram({ name: "h_seconds", help: "latency", labelNames: ["route"], buckets, registers: [theirs] });
    const ours = new Registry();
    ours.setDefaultLabels({ chainlet: "c" });
    const cells = new HistogramCells("h_seconds", "latency", buckets);
    cells.register(ours);
    for (const value of observations) {
      reference.observe({ route: "/a" }, value);
      cells.cell({ route: "/a" }).observe(value);
    }
    reference.observe({ route: "/b" }, 0.05);
    cells.cell({ route: "/b" }).observe(0.05);
    cells.cell({ route: "/never" });
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
  });
});

describe("JSON text", () => {
  it("is plain JSON.stringify for values without typed arrays, base64 for those with", () => {
    const plain = { names: ["World"], n: 1, nested: { when: new Date(0), list: [{ a: null }] } };
    expect(toJsonText(plain)).toBe(JSON.stringify(plain));
    expect(toJsonText(undefined)).toBe("null");
    const bytes = new Uint8Array([1, 2, 3]);
    expect(JSON.parse(toJsonText({ deep: [{ bytes }] }))).toEqual({ deep: [{ bytes: "AQID" }] });
    expect(toJsonText(Buffer.from([1, 2, 3]))).toBe('"AQID"');
    expect(JSON.parse(toJsonText({ custom: { toJSON: () => ({ inner: bytes }) } }))).toEqual({ custom: { inner: "AQID" } });
  });

  it("still reports a cycle as JSON.stringify does", () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = { again: cyclic };
    expect(() => toJsonText(cyclic)).toThrow(TypeError);
  });
});

class Echo extends ChainletBase {
  async runRemote(text: string): Promise<string> {
    if (text === "boom") throw new Error("echo failed on purpose");
    return text;
  }
}
const echo = { chainlet: Echo, input: inputSchema({ text: { type: "string" } }), output: { $schema: "https://json-schema.org/draft/2020-12/schema", type: "string" } };

class Counter extends ChainletBase {
  async *runRemote(count: number): AsyncGenerator<number> {
    for (let i = 0; i < count; i++) yield i;
  }
}
const counter = { chainlet: Counter, input: inputSchema({ count: { type: "integer" } }), output: { $schema: "https://json-schema.org/draft/2020-12/schema", type: "integer" }, streaming: true };

describe("the request id, written with the answer's other headers in one writeHead", () => {
  const auth = { authorization: "Bearer tok-rid-1" };

  it("is on every answer of the service port: success, refusals, failures, probes, metrics, streams", async () => {
    const s = await serve(echo, { CHAINS_AUTH_TOKEN: "tok-rid-1", CHAINS_MAX_BODY_BYTES: "64" });
    const answers = {
      ok: await post(s.url, { text: "hi" }, { headers: { ...auth, "x-request-id": "rid-ok" } }),
      invalid: await post(s.url, { text: 3 }, { headers: { ...auth, "x-request-id": "rid-invalid" } }),
      unauthenticated: await post(s.url, { text: "hi" }, { headers: { "x-request-id": "rid-401" } }),
      tooLarge: await post(s.url, { text: "x".repeat(200) }, { headers: { ...auth, "x-request-id": "rid-413" } }),
      failed: await post(s.url, { text: "boom" }, { headers: { ...auth, "x-request-id": "rid-500" } }),
      unknownRoute: await post(s.url, {}, { path: "/nowhere", headers: { "x-request-id": "rid-404" } }),
      wrongMethod: await post(s.url, {}, { path: "/healthz", method: "DELETE", headers: { "x-request-id": "rid-405" } }),
    };
    expect(Object.fromEntries(Object.entries(answers).map(([k, a]) => [k, [a.status, a.headers["x-request-id"]]]))).toEqual({
      ok: [200, "rid-ok"],
      invalid: [400, "rid-invalid"],
      unauthenticated: [401, "rid-401"],
      tooLarge: [413, "rid-413"],
      failed: [500, "rid-500"],
      unknownRoute: [404, "rid-404"],
      wrongMethod: [405, "rid-405"],
    });
    // The headers the answers had before stay as they were, next to the id.
    expect(answers.ok.headers["content-type"]).toMatch(/^application\/json/);
    expect(answers.ok.headers["content-length"]).toBe(String(Buffer.byteLength(JSON.stringify("hi"))));
    // Logged failures carry the same id as the answer.
    const failure = s.logs.map((line) => JSON.parse(line)).find((entry) => entry.msg?.startsWith("runRemote failed"));
    expect(failure?.requestId).toBe("rid-500");
    for (const path of ["/healthz", "/readyz", "/metrics"]) {
      const probe = await request(`${s.url}${path}`, { headers: { "x-request-id": `rid-${path.slice(1)}` } });
      await probe.body.text();
      expect([path, probe.statusCode, probe.headers["x-request-id"]]).toEqual([path, 200, `rid-${path.slice(1)}`]);
    }
    // Without one, the server makes one up and still sends it.
    const fresh = await get(s.url, "/healthz");
    expect(fresh.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("is on a streamed answer too", async () => {
    const s = await serve(counter);
    const answer = await request(`${s.url}/v1/run_remote`, { method: "POST", headers: { "content-type": "application/json", "x-request-id": "rid-stream" }, body: JSON.stringify({ count: 2 }) });
    expect(await answer.body.text()).toBe("0\n1\n");
    expect([answer.statusCode, answer.headers["x-request-id"], answer.headers["content-type"]]).toEqual([200, "rid-stream", "application/x-ndjson"]);
  });
});

describe("a JSON answer written as its text", () => {
  it("has the UTF-8 byte length as content-length and the exact JSON, answer after answer on one connection", async () => {
    const s = await serve(echo);
    const texts = ["héllo wörld", "🌍 \u2028 \u0000 \"quoted\" \\", "ü".repeat(50_000), ""];
    for (const text of texts) {
      const answer = await post(s.url, { text });
      const json = JSON.stringify(text);
      expect([answer.status, answer.headers["content-length"], answer.text]).toEqual([200, String(Buffer.byteLength(json)), json]);
      expect(answer.body).toBe(text);
    }
  });
});

const started: number[] = [];
let running = 0;
let peak = 0;
class Turns extends ChainletBase {
  async runRemote(turn: number): Promise<number> {
    started.push(turn);
    peak = Math.max(peak, ++running);
    await new Promise((resolve) => setTimeout(resolve, 60));
    running--;
    return turn;
  }
}
const turns = { chainlet: Turns, input: inputSchema({ turn: { type: "integer" } }), output: { $schema: "https://json-schema.org/draft/2020-12/schema", type: "integer" }, concurrency: 2 };

describe("compute.concurrency slots taken without a promise when free", () => {
  it("runs at most the limit at once and the waiting requests in arrival order, a request arriving while others wait behind them", async () => {
    const s = await serve(turns);
    const answers: Promise<unknown>[] = [];
    for (let turn = 0; turn < 6; turn++) {
      answers.push(post(s.url, { turn }).then((a) => a.body));
      // Spaced out so that they arrive in this order.
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    expect(await Promise.all(answers)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    expect(peak).toBe(2);
  });
});

describe("a dependency's whole answer, collected as it arrives", () => {
  it("is the decoded answer, whatever the pieces it arrives in", async () => {
    const value = { text: "é".repeat(100), list: Array.from({ length: 20 }, (_, i) => i) };
    const bytes = Buffer.from(JSON.stringify(value));
    const dependency = await answering((res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": bytes.length });
      // Split inside a multi-byte character, written apart.
      res.write(bytes.subarray(0, 7));
      setTimeout(() => res.end(bytes.subarray(7)), 20);
    });
    const chunked = await answering((res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write(bytes.subarray(0, 300));
      setTimeout(() => res.end(bytes.subarray(300)), 20);
    });
    expect(await transport.endpoint("pieces", dependency.url).call({})).toEqual(value);
    expect(await transport.endpoint("chunked", chunked.url).call({})).toEqual(value);
  });

  it("fails, without a retry, when the connection breaks after the headers (the call may have run)", async () => {
    const dependency = await answering((res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": 100 });
      res.write('{"half":');
      setTimeout(() => res.destroy(), 20);
    });
    const error = await transport.endpoint("breaks", dependency.url, { retries: 3 }).call({}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect((error as DependencyUnavailableError).code).toBe("CH2121");
    expect(dependency.requests()).toBe(1);
  });

  it("times out while the body trickles in, with the call's timeout error", async () => {
    const dependency = await answering((res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": 100 });
      res.write('{"slow":');
    });
    const error = await transport.endpoint("trickles", dependency.url, { timeoutSec: 0.2, retries: 0 }).call({}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyTimeoutError);
    expect((error as DependencyTimeoutError).message).toBe('CH2120: call to "trickles" timed out after 0.2s (timeoutSec)');
  });

  it("stops at the answer bound, announced or not, and is not retried", async () => {
    const announced = await answering((res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": 5000 });
      res.end(JSON.stringify("x".repeat(4998)));
    });
    const growing = await answering((res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify("x".repeat(4998)));
    });
    for (const dependency of [announced, growing]) {
      const error = await transport.endpoint("large", dependency.url, { retries: 3 }).call({}).catch((e: unknown) => e);
      expect((error as DependencyUnavailableError).code).toBe("CH2128");
      expect(dependency.requests()).toBe(1);
    }
  });

  it("reads a retried error answer's envelope, then the answer that follows", async () => {
    let n = 0;
    const dependency = await answering((res) => {
      n++;
      const body = n === 1 ? JSON.stringify({ error: { type: "Busy", message: "x".repeat(3000), chainlet: "d", stack: "", cause: null } }) : JSON.stringify("fine");
      res.writeHead(n === 1 ? 503 : 200, { "content-type": "application/json" });
      res.end(body);
    });
    const failing = await answering((res) => {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { type: "Broken", message: "it broke", chainlet: "d", stack: "", cause: null } }));
    });
    expect(await transport.endpoint("busy", dependency.url, { retries: 1 }).call({})).toBe("fine");
    const error = await transport.endpoint("broken", failing.url, { retries: 1 }).call({}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect([(error as RemoteError).status, (error as RemoteError).envelope.type, (error as RemoteError).envelope.message]).toEqual([500, "Broken", "it broke"]);
  });
});
