import { Histogram, Registry } from "prom-client";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { accessLineWriter, AccessRecord, isoTime } from "../../runtime-node/observability/access-log.js";
import { HistogramCells } from "../../runtime-node/observability/metric-cells.js";
import { bearerChecker } from "../../runtime-node/server/auth.js";
import { toJsonText } from "../../runtime-node/wire/wire-codec.js";

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
