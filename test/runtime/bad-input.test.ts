import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { ChainletBase, dependsContext, StubBase, type DeploymentContext } from "tschains";
import { closeAll, get, inputSchema, post, serve } from "./harness.js";

const S = "https://json-schema.org/draft/2020-12/schema";

class Profile extends ChainletBase {
  async runRemote(name: string, age: number, tags: string[], when: Date, avatar: Uint8Array): Promise<string> {
    return `${name}:${age}:${tags.length}:${when.getUTCFullYear()}:${avatar.length}`;
  }
}
const profile = {
  chainlet: Profile,
  input: inputSchema({
    name: { type: "string", minLength: 1, maxLength: 20 },
    age: { type: "integer", minimum: 0, maximum: 150 },
    tags: { type: "array", items: { type: "string", enum: ["a", "b", "c"] }, maxItems: 3 },
    when: { type: "string", format: "date-time", "x-tschains-type": "Date" },
    avatar: { type: "string", contentEncoding: "base64", "x-tschains-type": "Uint8Array" },
  }),
  output: { $schema: S, type: "string" },
};

afterAll(closeAll);

describe("bad-input campaign", () => {
  it("answers 1,000+ malformed or schema-violating bodies with a 4xx and a reason, and stays healthy", async () => {
    const s = await serve(profile);
    const valid = { name: "ada", age: 36, tags: ["a"], when: "2020-01-01T00:00:00Z", avatar: "AAEC" };
    const wrongValue = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }), fc.object({ maxDepth: 1 }));
    const schemaViolation = fc
      .record({ key: fc.constantFrom("name", "age", "tags", "when", "avatar", "extra"), value: wrongValue, drop: fc.boolean() })
      .map(({ key, value, drop }) => {
        const body: Record<string, unknown> = { ...valid, [key]: value };
        if (drop && key !== "extra") delete body[key];
        return { raw: JSON.stringify(body), body };
      });
    const malformed = fc.oneof(fc.string(), fc.json().map((j) => j.slice(0, Math.max(0, j.length - 1))), fc.constantFrom("{", "[1,", "nul", '{"name":}')).map((raw) => ({ raw, body: undefined }));
    const sample = fc.sample(fc.oneof(schemaViolation, malformed), { numRuns: 1200, seed: 42 });
    let checked = 0;
    for (let i = 0; i < sample.length; i += 50) {
      const answers = await Promise.all(sample.slice(i, i + 50).map((c) => post(s.url, undefined, { raw: c.raw }).then((a) => ({ a, c }))));
      for (const { a, c } of answers) {
        // Some generated values happen to be valid (a string name, say): those must succeed.
        if (a.status === 200) {
          expect(c.body).toBeDefined();
          continue;
        }
        expect(a.status, c.raw).toBeGreaterThanOrEqual(400);
        expect(a.status, c.raw).toBeLessThan(500);
        expect(a.body.error.message.length, c.raw).toBeGreaterThan(10);
        expect(a.body.error.code).toMatch(/^CH21(01|04)$/);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(1000);
    expect((await get(s.url, "/readyz")).status).toBe(200);
    expect((await post(s.url, valid)).body).toBe("ada:36:1:2020:3");
  });
});

class ModelServer extends StubBase {
  async runRemote(text: string): Promise<{ label: string; score: number }> {
    return this.predict({ text });
  }
}
class Classify extends ChainletBase {
  private readonly model: ModelServer;
  constructor(context: DeploymentContext = dependsContext()) {
    super();
    this.model = ModelServer.fromUrl(context.chainletToService["model-server"].url + "/predict", context, { retries: 2, authToken: "model-key-42" });
  }
  async runRemote(text: string): Promise<string> {
    const { label, score } = await this.model.runRemote(text);
    return `${label} (${score})`;
  }
}

describe("StubBase", () => {
  let model: Server;
  const seen: { path?: string; auth?: string; requestId?: string }[] = [];
  afterAll(() => new Promise((r) => model.close(r)));

  it("wraps a plain HTTP model server with the shared transport, retries and auth", async () => {
    let calls = 0;
    model = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        seen.push({ path: req.url, auth: req.headers.authorization, requestId: req.headers["x-request-id"] as string });
        if (++calls === 1) return res.writeHead(503).end();
        const { text } = JSON.parse(body) as { text: string };
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ label: text.length > 3 ? "long" : "short", score: 0.9 }));
      });
    });
    await new Promise<void>((r) => model.listen(0, "127.0.0.1", r));
    const modelUrl = `http://127.0.0.1:${(model.address() as AddressInfo).port}`;
    const s = await serve(
      { chainlet: Classify, input: inputSchema({ text: { type: "string" } }), output: { $schema: S, type: "string" } },
      { CHAINS_DEPENDENCIES: JSON.stringify({ "model-server": modelUrl }), CHAINS_AUTH_TOKEN: "chain-token-1" },
    );
    const answer = await post(s.url, { text: "hello" }, { headers: { authorization: "Bearer chain-token-1", "x-request-id": "stub-req-1" } });
    expect(answer.body).toBe("long (0.9)");
    expect(seen).toHaveLength(2);
    expect(seen[1]).toEqual({ path: "/predict", auth: "Bearer model-key-42", requestId: "stub-req-1" });
    expect((await get(s.url, "/metrics")).text).toMatch(/chains_dependency_retries_total\{dependency="ModelServer",chainlet="classify"\} 1/);
  });
});
