import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildChain } from "../../api/build-chain.js";
import { serveChain, type ServedChain } from "../../api/serve-chain.js";
import { formatDiagnostics } from "../../compiler/diagnostics.js";

const repo = join(import.meta.dirname, "..", "..");
const outDir = mkdtempSync(join(tmpdir(), "tschains-serve-examples-"));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

/** Builds `fixtures/<name>/chain.ts` with the real build and serves it for the tests of one `describe`. */
function servedFixture(name: string, env: Record<string, string> = {}) {
  const state: { chain?: ServedChain; chainDir?: string } = {};
  beforeAll(async () => {
    const result = await buildChain(join(repo, "fixtures", name, "chain.ts"), { outDir });
    if (!result.ok) throw new Error(formatDiagnostics(result.diagnostics, { cwd: repo }));
    state.chainDir = result.chainDir;
    state.chain = await serveChain({ chainDir: result.chainDir, env });
  });
  afterAll(async () => state.chain?.stop());
  return {
    get url() {
      return state.chain!.url;
    },
    /** The generated client package of `chainlet`, imported from the build output. */
    async client(chainlet: string) {
      return import(pathToFileURL(join(state.chainDir!, "clients", chainlet, "index.js")).href);
    },
  };
}

async function post(url: string, body: unknown) {
  const response = await request(`${url}/v1/run_remote`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.body.text();
  return { status: response.statusCode, type: String(response.headers["content-type"]), text, json: () => JSON.parse(text) };
}

describe.sequential("served example chains", () => {
  describe("hello", () => {
    const served = servedFixture("hello");

    it("answers raw HTTP through both Chainlets", async () => {
      const answer = await post(served.url, { names: ["Ada", "Linus"] });
      expect(answer.status).toBe(200);
      expect(answer.json()).toBe("Hello, Ada!\nHello, Linus!");
    });

    it("answers through the generated client", async () => {
      const { HelloAllClient } = await served.client("hello-all");
      const client = new HelloAllClient({ baseUrl: served.url });
      expect(await client.runRemote(["Grace"])).toBe("Hello, Grace!");
    });

    it("refuses a schema-violating body with the failing path", async () => {
      const answer = await post(served.url, { names: "Ada" });
      expect(answer.status).toBe(400);
      expect(answer.json().error.message).toMatch(/\/names.*must be array/);
    });
  });

  describe("text-pipeline", () => {
    const served = servedFixture("text-pipeline");
    const document = {
      title: "Review",
      body: "The tea is great and I love it. The delivery was slow and bad. It arrived on Monday.",
      publishedAt: "2026-01-02T03:04:05.000Z",
      language: "en",
    };

    it("returns the structured report over raw HTTP, dates as RFC 3339 strings", async () => {
      const answer = await post(served.url, { document, maxKeywords: 2 });
      expect(answer.status).toBe(200);
      const report = answer.json();
      expect(report.sentenceCount).toBe(3);
      expect(report.publishedAt).toBe("2026-01-02T03:04:05.000Z");
      expect(report.findings.filter((f: { kind: string }) => f.kind === "keyword")).toHaveLength(2);
      expect(report.findings).toContainEqual({ kind: "sentence", index: 1, sentiment: "negative", score: expect.any(Number) });
    });

    it("revives Dates through the generated client and throws RemoteError for HttpError(422)", async () => {
      const { AnalyzeDocumentClient, RemoteError } = await served.client("analyze-document");
      const client = new AnalyzeDocumentClient({ baseUrl: served.url });
      const report = await client.runRemote({ ...document, publishedAt: new Date(document.publishedAt) });
      expect(report.publishedAt).toEqual(new Date(document.publishedAt));
      expect(report.analyzedAt).toBeInstanceOf(Date);
      const failure = await client.runRemote({ ...document, body: " ", publishedAt: new Date() }).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(RemoteError);
      expect(failure.status).toBe(422);
      expect(failure.envelope.error).toMatchObject({ type: "HttpError", message: "document body is empty", chainlet: "analyze-document" });
    });

    it("rejects an unknown enum value and a bad date, naming each path", async () => {
      const answer = await post(served.url, { document: { ...document, language: "fr", publishedAt: "yesterday" } });
      expect(answer.status).toBe(400);
      expect(answer.json().error.message).toMatch(/\/document\/publishedAt/);
      expect(answer.json().error.message).toMatch(/\/document\/language/);
    });
  });

  describe("checkout (four levels, secret, data folder)", () => {
    const served = servedFixture("checkout", { CHAINS_SECRET_PRICING_API_KEY: "test-pricing-key" });

    it("prices a basket through every level", async () => {
      const answer = await post(served.url, {
        request: { items: [{ sku: "TEA-001", quantity: 2 }, { sku: "MUG-002", quantity: 1 }], shipTo: { country: "GB" }, currency: "GBP" },
      });
      expect(answer.status).toBe(200);
      const { orderId, quote } = answer.json();
      expect(orderId).toBe("ord-tea-001x2-mug-002x1");
      expect(quote.subtotal).toEqual({ amount: 774 + 1032, currency: "GBP" });
      expect(quote.taxRate).toBe(0.2);
      expect(quote.total.amount).toBe(quote.subtotal.amount + quote.tax.amount);
    });

    it("passes a 422 from the third level back to the caller", async () => {
      const { CheckoutClient, RemoteError } = await served.client("checkout");
      const client = new CheckoutClient({ baseUrl: served.url });
      const failure = await client
        .runRemote({ items: [{ sku: "TEA-001", quantity: 1 }], shipTo: { country: "XX" }, currency: "EUR" })
        .catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(RemoteError);
      expect(failure.status).toBe(422);
      expect(JSON.stringify(failure.envelope)).toContain("no tax rate for XX");
    });
  });

  describe("token-stream", () => {
    const served = servedFixture("token-stream");

    it("streams ndjson over raw HTTP", async () => {
      const answer = await post(served.url, { prompt: "one two", maxTokens: 3 });
      expect(answer.status).toBe(200);
      expect(answer.type).toMatch(/application\/x-ndjson/);
      expect(answer.text.trim().split("\n").map((line) => JSON.parse(line))).toEqual([
        { index: 0, text: "ONE", final: false },
        { index: 1, text: "TWO", final: false },
        { index: 2, text: "ENO", final: true },
      ]);
    });

    it("streams typed items through the generated client", async () => {
      const { ShoutClient } = await served.client("shout");
      const client = new ShoutClient({ baseUrl: served.url });
      const texts: string[] = [];
      for await (const token of client.runRemote("a b c")) texts.push(token.text);
      expect(texts).toEqual(["A", "B", "C", "A", "B", "C"]);
    });
  });

  describe("audio-fanout (binary)", () => {
    const served = servedFixture("audio-fanout");
    const audio = new Float32Array(300).map((_, i) => (i < 100 ? 0.25 : 0.5) * Math.sin(i / 2));

    it("accepts base64 samples over raw JSON and answers base64 Float32Arrays", async () => {
      const base64 = Buffer.from(audio.buffer).toString("base64");
      const answer = await post(served.url, { audio: base64, sampleRate: 100 });
      expect(answer.status).toBe(200);
      const report = answer.json();
      expect(report.chunks.map((c: { offset: number }) => c.offset)).toEqual([0, 100, 200]);
      const normalized = new Float32Array(Uint8Array.from(Buffer.from(report.chunks[0].normalized, "base64")).buffer);
      expect(normalized).toHaveLength(100);
      expect(Math.max(...normalized.map(Math.abs))).toBeCloseTo(1, 5);
    });

    it("sends and receives Float32Arrays through the generated client", async () => {
      const { AnalyzeAudioClient } = await served.client("analyze-audio");
      const client = new AnalyzeAudioClient({ baseUrl: served.url });
      const report = await client.runRemote(audio, 150);
      expect(report.chunks).toHaveLength(2);
      expect(report.chunks[1].normalized).toBeInstanceOf(Float32Array);
      expect(report.chunks[1].normalized[1]).toBeCloseTo(audio[151] / report.chunks[1].peak, 5);
    });

    it("refuses base64 that is not a whole number of float32 values", async () => {
      const answer = await post(served.url, { audio: "AAAA", sampleRate: 100 });
      expect(answer.status).toBe(400);
      expect(answer.json().error.message).toMatch(/\/audio/);
    });
  });
});
