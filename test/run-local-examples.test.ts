import { describe, expect, it } from "vitest";
import { HttpError, runLocal } from "tschains";
import { HelloAll } from "../fixtures/hello/chain.js";
import { AnalyzeDocument } from "../fixtures/text-pipeline/chain.js";
import { Language } from "../fixtures/text-pipeline/types.js";
import { SentimentScorer } from "../fixtures/text-pipeline/sentiment-scorer.js";
import { Checkout } from "../fixtures/checkout/chain.js";
import { TaxRates } from "../fixtures/checkout/tax-rates.js";
import { Shout, TokenGenerator } from "../fixtures/token-stream/chain.js";
import { AnalyzeAudio } from "../fixtures/audio-fanout/chain.js";
import { fileURLToPath } from "node:url";

const checkoutData = fileURLToPath(new URL("../fixtures/checkout/data", import.meta.url));

describe("runLocal on the example chains", () => {
  it("fans out the hello chain", async () => {
    const entry = await runLocal(HelloAll);
    expect(await entry.runRemote(["Ada", "Grace", "Linus"])).toBe("Hello, Ada!\nHello, Grace!\nHello, Linus!");
  });

  it("analyses a document through the text pipeline, keeping Dates and unions", async () => {
    const entry = await runLocal(AnalyzeDocument);
    const publishedAt = new Date("2026-01-02T03:04:05.000Z");
    const report = await entry.runRemote({
      title: "Review",
      body: "The tea is great and I love it. The delivery was slow and bad. It arrived on Monday.",
      publishedAt,
      language: Language.English,
    });
    expect(report.sentenceCount).toBe(3);
    expect(report.publishedAt).toEqual(publishedAt);
    expect(report.analyzedAt).toBeInstanceOf(Date);
    expect(report.findings).toContainEqual({ kind: "sentence", index: 0, sentiment: "positive", score: expect.any(Number) });
    expect(report.findings).toContainEqual({ kind: "sentence", index: 1, sentiment: "negative", score: expect.any(Number) });
    expect(report.summary.firstSentence).toBe("The tea is great and I love it.");
  });

  it("lets a test replace the sentiment scorer with a fake", async () => {
    const entry = await runLocal(AnalyzeDocument, {
      overrides: new Map([[SentimentScorer, { runRemote: async (sentences: string[]) => sentences.map((sentence) => ({ sentence, sentiment: "negative", score: -1 })) }]]),
    });
    const report = await entry.runRemote({ title: "t", body: "Fine. Okay.", publishedAt: new Date(0), language: Language.English });
    expect(report.overall).toBe("negative");
  });

  it("answers an HttpError from the text pipeline for an empty body", async () => {
    const entry = await runLocal(AnalyzeDocument);
    await expect(entry.runRemote({ title: "t", body: "   ", publishedAt: new Date(0), language: Language.German })).rejects.toBeInstanceOf(HttpError);
  });

  it("prices a basket through four levels, with secrets and a data folder", async () => {
    const entry = await runLocal(Checkout, { secrets: { pricing_api_key: "k-123" }, dataDir: checkoutData });
    const { orderId, quote } = await entry.runRemote({
      items: [{ sku: "TEA-001", quantity: 2 }, { sku: "MUG-002", quantity: 1 }],
      shipTo: { country: "DE" },
      currency: "EUR",
    });
    expect(orderId).toBe("ord-tea-001x2-mug-002x1");
    expect(quote.subtotal).toEqual({ amount: 2100, currency: "EUR" });
    expect(quote.tax).toEqual({ amount: 399, currency: "EUR" });
    expect(quote.total).toEqual({ amount: 2499, currency: "EUR" });
    expect(quote.validUntil).toBeInstanceOf(Date);
  });

  it("overrides a Chainlet in the middle of a deep chain", async () => {
    const entry = await runLocal(Checkout, {
      secrets: { pricing_api_key: "k" },
      dataDir: checkoutData,
      overrides: new Map([[TaxRates, { runRemote: async () => ({ rate: 0, tax: { amount: 0, currency: "EUR" } }) }]]),
    });
    await expect(entry.runRemote({ items: [{ sku: "TEA-001", quantity: 1 }], shipTo: { country: "DE" }, currency: "EUR" })).resolves.toMatchObject({ quote: { taxRate: 0 } });
  });

  it("streams tokens through two Chainlets", async () => {
    const entry = await runLocal(Shout);
    const tokens = [];
    for await (const token of entry.runRemote("hello big world", 4)) tokens.push(token.text);
    expect(tokens).toEqual(["HELLO", "BIG", "WORLD", "OLLEH"]);
  });

  it("stubs a streaming dependency with a fake generator", async () => {
    const entry = await runLocal(Shout, {
      overrides: new Map([[TokenGenerator, { runRemote: async function* () { yield { index: 0, text: "x", final: true }; } }]]),
    });
    const tokens = [];
    for await (const token of entry.runRemote("ignored")) tokens.push(token);
    expect(tokens).toEqual([{ index: 0, text: "X", final: true }]);
  });

  it("fans audio chunks out as Float32Arrays", async () => {
    const entry = await runLocal(AnalyzeAudio);
    const audio = new Float32Array(400).map((_, i) => (i < 200 ? 0.1 : 0.5) * Math.sin(i / 3));
    const report = await entry.runRemote(audio, 100, 1);
    expect(report.chunks.map((c) => c.offset)).toEqual([0, 100, 200, 300]);
    expect(report.loudestChunk).toBeGreaterThanOrEqual(2);
    expect(report.chunks[0].normalized).toBeInstanceOf(Float32Array);
    expect(Math.max(...report.chunks[0].normalized.map(Math.abs))).toBeCloseTo(1, 5);
  });
});
