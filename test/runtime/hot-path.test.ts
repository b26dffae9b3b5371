import { Histogram, Registry } from "prom-client";
import { pino } from "pino";
import { request } from "undici";
import { afterAll, describe, expect, it } from "vitest";
import { ChainletBase } from "tschains";
import { accessLineWriter, AccessRecord, isoTime } from "../../runtime-node/observability/access-log.js";
import { HistogramCells } from "../../runtime-node/observability/metric-cells.js";
import { bearerChecker } from "../../runtime-node/server/auth.js";
import { toJsonText } from "../../runtime-node/wire/wire-codec.js";
import { closeAll, get, inputSchema, post, serve } from "./harness.js";

afterAll(closeAll);

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
    const cells = new HistogramCells("h_seconds", "latency", buckets, ours);
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
