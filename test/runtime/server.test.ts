import { afterAll, describe, expect, it } from "vitest";
import { ChainletBase, dependsContext, HttpError, type DeploymentContext } from "tschains";
import { closeAll, get, inputSchema, post, serve } from "./harness.js";

const Point = { type: "object", properties: { x: { type: "number" }, y: { type: "number" } }, required: ["x", "y"], additionalProperties: false };

class Geometry extends ChainletBase {
  async runRemote(points: { x: number; y: number }[], label: string, when: Date, scale?: number): Promise<{ label: string; length: number; at: Date }> {
    const s = scale ?? 1;
    let length = 0;
    for (let i = 1; i < points.length; i++) length += Math.hypot(points[i].x - points[i - 1].x, points[i].y - points[i - 1].y);
    return { label, length: length * s, at: new Date(when.getTime() + 1000) };
  }
}

const geometry = {
  chainlet: Geometry,
  input: inputSchema(
    {
      points: { type: "array", items: { $ref: "#/$defs/Point" }, minItems: 1 },
      label: { type: "string", minLength: 1 },
      when: { type: "string", format: "date-time", "x-tschains-type": "Date" },
      scale: { type: "number" },
    },
    ["scale"],
  ),
  optional: ["scale"],
  output: {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    type: "object",
    properties: { label: { type: "string" }, length: { type: "number" }, at: { type: "string", format: "date-time", "x-tschains-type": "Date" } },
    required: ["label", "length", "at"],
    additionalProperties: false,
  },
};
(geometry.input as any).$defs = { Point };

class Signal extends ChainletBase {
  runRemote(samples: Float32Array, gain: number): Float32Array {
    return samples.map((v) => v * gain);
  }
}
const signal = {
  chainlet: Signal,
  input: inputSchema({ samples: { type: "string", contentEncoding: "base64", "x-tschains-type": "Float32Array" }, gain: { type: "number" } }),
  output: { $schema: "https://json-schema.org/draft/2020-12/schema", type: "string", contentEncoding: "base64", "x-tschains-type": "Float32Array" },
};

class Liar extends ChainletBase {
  async runRemote(n: number): Promise<number> {
    return (n > 0 ? "not a number" : n) as unknown as number;
  }
}
const liar = { chainlet: Liar, input: inputSchema({ n: { type: "number" } }), output: { $schema: "https://json-schema.org/draft/2020-12/schema", type: "number" } };

afterAll(closeAll);

describe("POST /v1/run_remote", () => {
  it("answers JSON, passes parameters in order, revives Dates both ways", async () => {
    const s = await serve(geometry);
    const answer = await post(s.url, { label: "L", when: "2024-01-01T00:00:00.000Z", points: [{ x: 0, y: 0 }, { x: 3, y: 4 }], scale: 2 });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ label: "L", length: 10, at: "2024-01-01T00:00:01.000Z" });
    const noScale = await post(s.url, { label: "L", when: "2024-01-01T00:00:00Z", points: [{ x: 0, y: 0 }, { x: 3, y: 4 }] });
    expect(noScale.body.length).toBe(5);
  });

  it("lists every failing path of an outside caller's bad input with the reason", async () => {
    const s = await serve({ ...geometry, isEntrypoint: true });
    const answer = await post(s.url, { points: [{ x: "0", y: 0 }, {}], label: "", when: "not a date", extra: 1 });
    expect(answer.status).toBe(400);
    const message: string = answer.body.error.message;
    for (const fragment of [
      "/points/0/x: must be number",
      "/points/1/x: is required",
      "/points/1/y: is required",
      "/label: must NOT have fewer than 1 characters",
      "/when: must be an RFC 3339 date-time string",
      "/extra: is not a parameter (the parameters are points, label, when, scale)",
    ]) {
      expect(message).toContain(fragment);
    }
    expect(answer.body.error).toMatchObject({ type: "ChainsError", code: "CH2101", chainlet: "geometry" });
    const missing = await post(s.url, {});
    expect(missing.body.error.message).toContain("/points: is required");
    expect(missing.body.error.message).toContain("/when: is required");
  });

  it("reads a request to a Chainlet that is not the entrypoint tolerantly: unknown properties dropped, every other failing path listed", async () => {
    const s = await serve(geometry);
    const bad = await post(s.url, { points: [{ x: "0", y: 0, z: 1 }], label: "", when: "2024-01-01T00:00:00Z", extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toBe("CH2101: invalid input: /points/0/x: must be number; /label: must NOT have fewer than 1 characters");
    const good = await post(s.url, { points: [{ x: 0, y: 0, z: 1 }, { x: 3, y: 4 }], label: "L", when: "2024-01-01T00:00:00Z", extra: 1 });
    expect(good.status).toBe(200);
    expect(good.body.length).toBe(5);
    expect((await get(s.url, "/metrics")).text).toMatch(/chains_unknown_properties_dropped_total\{read="input",dependency="",chainlet="geometry"\} 2/);
  });

  it("answers 500 naming the mismatch when runRemote returns the wrong type", async () => {
    const s = await serve(liar);
    expect((await post(s.url, { n: 0 })).body).toBe(0);
    const answer = await post(s.url, { n: 1 });
    expect(answer.status).toBe(500);
    expect(answer.body.error.code).toBe("CH2102");
    expect(answer.body.error.message).toContain("/: must be number");
  });

  it("round-trips a Float32Array with NaN, -0 and Infinity exactly in binary mode, and as base64 in JSON", async () => {
    const s = await serve(signal);
    const samples = new Float32Array([1.5, Number.NaN, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 3.4e38]);
    const answer = await post(s.url, { samples, gain: 1 }, { msgpack: true });
    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toBe("application/msgpack");
    expect(answer.body).toBeInstanceOf(Float32Array);
    expect(Array.from(answer.body as Float32Array)).toEqual(Array.from(samples));
    expect(Object.is((answer.body as Float32Array)[2], -0)).toBe(true);

    const json = await post(s.url, { samples: Buffer.from(new Float32Array([1, 2]).buffer).toString("base64"), gain: 2 });
    expect(json.status).toBe(200);
    const back = new Float32Array(new Uint8Array(Buffer.from(json.body, "base64")).buffer);
    expect(Array.from(back)).toEqual([2, 4]);
  });

  it("takes and answers a 10 MB Float32Array as base64 JSON (13 MB strings)", async () => {
    const s = await serve(signal);
    const samples = new Float32Array(2_621_440).map((_, i) => (i % 1000) / 8);
    const answer = await post(s.url, { samples: Buffer.from(samples.buffer).toString("base64"), gain: 2 });
    expect(answer.status).toBe(200);
    const back = new Float32Array(new Uint8Array(Buffer.from(answer.body, "base64")).buffer);
    expect(back.length).toBe(samples.length);
    expect(back[999]).toBe((999 / 8) * 2);
    expect(back[samples.length - 1]).toBe(samples[samples.length - 1] * 2);
  });

  it("refuses invalid base64 and the wrong typed array class with the path", async () => {
    const s = await serve(signal);
    const bad = await post(s.url, { samples: "AAA*", gain: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain("/samples: must be a valid base64 string");
    const odd = await post(s.url, { samples: Buffer.from([1, 2, 3]).toString("base64"), gain: 1 });
    expect(odd.body.error.message).toContain("/samples: must hold a multiple of 4 bytes");
    const wrongClass = await post(s.url, { samples: new Float64Array([1]), gain: 1 }, { msgpack: true });
    expect(wrongClass.status).toBe(400);
    expect(wrongClass.body.error.message).toContain("/samples: must be a Float32Array, got a Float64Array");
  });
});

describe("limits and routes", () => {
  it("answers 413, 400, 415, 404 and 405 with Allow", async () => {
    const s = await serve(liar, { CHAINS_MAX_BODY_BYTES: "1024" });
    const big = await post(s.url, { n: 1, pad: "x".repeat(5000) });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe("CH2103");
    const malformed = await post(s.url, undefined, { raw: '{"n": 1' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toMatch(/malformed JSON/);
    const notObject = await post(s.url, [1]);
    expect(notObject.status).toBe(400);
    const wrongType = await post(s.url, undefined, { raw: "n=1", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(wrongType.status).toBe(415);
    expect((await get(s.url, "/nope")).status).toBe(404);
    const wrongMethod = await get(s.url, "/v1/run_remote");
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe("POST");
    expect((await get(s.url, "/healthz")).status).toBe(200);
  });
});

class Vault extends ChainletBase {
  constructor(private readonly context: DeploymentContext = dependsContext()) {
    super();
  }
  async runRemote(leak: string): Promise<string> {
    const key = this.context.secrets.api_key;
    if (leak === "throw") throw new HttpError(409, `refusing, key was ${key}`);
    if (leak === "undeclared") return this.context.secrets.other;
    return `key has ${key.length} chars in ${this.context.environment}`;
  }
}
const vault = {
  chainlet: Vault,
  input: inputSchema({ leak: { type: "string" } }),
  output: { $schema: "https://json-schema.org/draft/2020-12/schema", type: "string" },
  secretKeys: ["api_key"],
  isEntrypoint: true,
};

describe("auth and secrets", () => {
  const SECRET = "s3cr3t-value-9f8e7d";
  const TOKEN = "internal-token-abcdef";

  it("needs the bearer token (401 missing, 403 wrong), accepts API keys on the entrypoint, leaves health open", async () => {
    const s = await serve(vault, { CHAINS_AUTH_TOKEN: TOKEN, CHAINS_API_KEYS: "key-one-1234, key-two-5678", CHAINS_SECRET_API_KEY: SECRET, CHAINS_ENVIRONMENT: "staging" });
    expect((await post(s.url, { leak: "no" })).status).toBe(401);
    expect((await post(s.url, { leak: "no" }, { headers: { authorization: "Bearer nope-nope" } })).status).toBe(403);
    const ok = await post(s.url, { leak: "no" }, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.body).toBe(`key has ${SECRET.length} chars in staging`);
    expect((await post(s.url, { leak: "no" }, { headers: { authorization: "Bearer key-two-5678" } })).status).toBe(200);
    expect((await get(s.url, "/healthz")).status).toBe(200);
    expect((await get(s.url, "/readyz")).status).toBe(200);
  });

  it("lets a public entrypoint take calls without a token unless API keys are set", async () => {
    const open = await serve(vault, { CHAINS_AUTH_TOKEN: TOKEN, CHAINS_ENTRYPOINT_PUBLIC: "1", CHAINS_SECRET_API_KEY: SECRET });
    expect((await post(open.url, { leak: "no" })).status).toBe(200);
    const keyed = await serve(vault, { CHAINS_AUTH_TOKEN: TOKEN, CHAINS_ENTRYPOINT_PUBLIC: "1", CHAINS_API_KEYS: "outside-key-1", CHAINS_SECRET_API_KEY: SECRET });
    expect((await post(keyed.url, { leak: "no" })).status).toBe(401);
    expect((await post(keyed.url, { leak: "no" }, { headers: { authorization: "Bearer outside-key-1" } })).status).toBe(200);
  });

  it("redacts a secret from the reason /readyz gives when isHealthy() throws", async () => {
    class LeakyHealth extends Vault {
      isHealthy(): boolean {
        throw new Error(`upstream refused key ${SECRET}`);
      }
    }
    const s = await serve({ ...vault, chainlet: LeakyHealth }, { CHAINS_SECRET_API_KEY: SECRET });
    const ready = await get(s.url, "/readyz");
    expect(ready.status).toBe(503);
    expect(ready.body.reason).toBe("isHealthy() threw: upstream refused key [redacted]");
  });

  it("never writes a secret or token into an envelope or a log line", async () => {
    const s = await serve(vault, { CHAINS_AUTH_TOKEN: TOKEN, CHAINS_SECRET_API_KEY: SECRET });
    const auth = { authorization: `Bearer ${TOKEN}` };
    const thrown = await post(s.url, { leak: "throw" }, { headers: auth });
    expect(thrown.status).toBe(409);
    expect(thrown.body.error.message).toBe("refusing, key was [redacted]");
    const undeclared = await post(s.url, { leak: "undeclared" }, { headers: auth });
    expect(undeclared.status).toBe(500);
    expect(undeclared.body.error.code).toBe("CH2002");
    await post(s.url, { leak: TOKEN }, { headers: auth });
    expect(s.logs.length).toBeGreaterThan(3);
    const everything = s.logs.join("\n") + thrown.text + undeclared.text;
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(TOKEN);
    const line = JSON.parse(s.logs.find((l) => l.includes('"status":409') && l.includes('"route"'))!);
    expect(line).toMatchObject({ chainlet: "vault", route: "/v1/run_remote", status: 409 });
    expect(typeof line.requestId).toBe("string");
    expect(typeof line.durationMs).toBe("number");
  });

  it("reads secrets from CHAINS_SECRETS_DIR files", async () => {
    const { mkdtemp, writeFile, rm } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = await mkdtemp(join(tmpdir(), "tschains-secrets-"));
    try {
      await writeFile(join(dir, "api_key"), "from-a-file\n");
      const s = await serve(vault, { CHAINS_SECRETS_DIR: dir });
      expect((await post(s.url, { leak: "no" })).body).toBe("key has 11 chars in undefined");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

class Broken extends ChainletBase {
  constructor() {
    super();
    throw new Error("model file missing");
  }
  runRemote(): string {
    return "never";
  }
}

describe("readiness and metrics", () => {
  it("keeps running when the constructor throws, /readyz says why", async () => {
    const s = await serve({ chainlet: Broken, input: inputSchema({}), output: { type: "string" } });
    expect((await get(s.url, "/healthz")).status).toBe(200);
    const ready = await get(s.url, "/readyz");
    expect(ready.status).toBe(503);
    expect(ready.body.reason).toContain("model file missing");
    expect((await post(s.url, {})).status).toBe(503);
    expect(s.logs.some((l) => l.includes("model file missing") && l.includes('"level":50'))).toBe(true);
  });

  it("exposes the documented metric names", async () => {
    const s = await serve(liar);
    await post(s.url, { n: 0 });
    const text = (await get(s.url, "/metrics")).text;
    for (const name of ["chains_requests_total", "chains_request_duration_seconds_bucket", "chains_run_remote_in_flight", "chains_run_remote_queued", "chains_run_remote_rejected_total"]) {
      expect(text).toContain(name);
    }
    expect(text).toMatch(/chains_requests_total\{route="\/v1\/run_remote",status="200",chainlet="liar"\} 1/);
  });
});
