import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Packr } from "msgpackr";
import { request } from "undici";
import { buildFixtureChain, serveWithLogs, until, type BuiltChain, type ServedWithLogs } from "./served-fixture.js";
import { finallyLines, produced, settledCount } from "./stream-probe.js";


describe("10,000 items through two hops (fixtures/token-stream, served)", () => {
  let built: BuiltChain;
  let served: ServedWithLogs;
  const words = Array.from({ length: 5_000 }, (_, i) => `w${i}`);
  const expectedText = (index: number) => (index < words.length ? words[index] : words[index - words.length].split("").reverse().join("")).toUpperCase();

  beforeAll(async () => {
    built = await buildFixtureChain("token-stream");
    served = await serveWithLogs(built.chainDir);
  });
  afterAll(async () => {
    await served?.stop();
    built?.remove();
  });

  it("arrive in exact order through the generated client", async () => {
    const { ShoutClient } = await built.client("shout");
    let index = 0;
    for await (const token of new ShoutClient({ baseUrl: served.url }).runRemote(words.join(" "), 10_000)) {
      expect(token).toEqual({ index, text: expectedText(index), final: index === 9_999 });
      index++;
    }
    expect(index).toBe(10_000);
  });

  it("arrive in exact order as raw ndjson", async () => {
    const response = await request(`${served.url}/v1/run_remote`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ prompt: words.join(" "), maxTokens: 10_000 }),
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("application/x-ndjson");
    const lines = (await response.body.text()).split("\n");
    expect(lines.pop()).toBe("");
    expect(lines).toHaveLength(10_000);
    lines.forEach((line, index) => expect(JSON.parse(line)).toEqual({ index, text: expectedText(index), final: index === 9_999 }));
  });
});

describe("stream behaviour through two served hops (fixtures/stream-probe)", () => {
  let built: BuiltChain;
  let served: ServedWithLogs;
  let RelayClient: any;
  const dirs: string[] = [];
  const freshDir = () => {
    const dir = mkdtempSync(join(tmpdir(), "tschains-probe-"));
    dirs.push(dir);
    return dir;
  };

  beforeAll(async () => {
    built = await buildFixtureChain("stream-probe");
    served = await serveWithLogs(built.chainDir);
    ({ RelayClient } = await built.client("relay"));
  });
  afterAll(async () => {
    await served?.stop();
    built?.remove();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("delivers the first item while the producer is still running", async () => {
    const dir = freshDir();
    const iterator = new RelayClient({ baseUrl: served.url }).runRemote({ mode: "gated", count: 5, padBytes: 4, dir })[Symbol.asyncIterator]();
    // The producer cannot finish before `release` exists, and only this test writes it.
    const first = await iterator.next();
    expect(first.value).toEqual({ index: 0, pad: "xxxx" });
    expect(finallyLines(dir)).toEqual([]);
    writeFileSync(join(dir, "release"), "");
    const rest: number[] = [];
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) rest.push(next.value.index);
    expect(rest).toEqual([1, 2, 3, 4]);
    await until(() => finallyLines(dir).length === 2);
    expect(finallyLines(dir)).toEqual(["producer", "relay"]);
  });

  it("throws the typed RemoteError after the items sent before a failure at hop two", async () => {
    const dir = freshDir();
    const { RemoteError } = await built.client("relay");
    const seen: number[] = [];
    const error: any = await (async () => {
      for await (const item of new RelayClient({ baseUrl: served.url }).runRemote({ mode: "fail", count: 10, padBytes: 0, dir })) seen.push(item.index);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([0, 1, 2]);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error.status).toBe(500);
    expect(error.envelope.error).toMatchObject({
      type: "RemoteError",
      chainlet: "relay",
      cause: { type: "Error", chainlet: "producer", message: "producer broke after 3 items" },
    });
    expect(error.envelope.error.cause.stack).toMatch(/chain\.ts:\d+/);
  });

  it("runs the producer's finally on every hop when the consumer breaks early", async () => {
    const dir = freshDir();
    let n = 0;
    for await (const item of new RelayClient({ baseUrl: served.url }).runRemote({ mode: "count", count: 1_000_000, padBytes: 16, dir })) {
      expect(item.index).toBe(n);
      if (++n === 5) break;
    }
    await until(() => finallyLines(dir).length === 2);
    expect(finallyLines(dir)).toEqual(["producer", "relay"]);
    const stoppedAt = produced(dir);
    expect(stoppedAt).toBeLessThan(1_000_000);
  });

  it("streams MessagePack frames to the generated client in binary mode, and stops the producer on break", async () => {
    const dir = freshDir();
    const client = new RelayClient({ baseUrl: served.url, msgpack: new Packr({ moreTypes: true, useRecords: false }) });
    const all: number[] = [];
    for await (const item of client.runRemote({ mode: "count", count: 1_000, padBytes: 2, dir })) all.push(item.index);
    expect(all).toEqual(Array.from({ length: 1_000 }, (_, i) => i));

    const early = freshDir();
    let n = 0;
    for await (const _ of client.runRemote({ mode: "count", count: 1_000_000, padBytes: 2, dir: early })) if (++n === 3) break;
    await until(() => finallyLines(early).length === 2);
    expect(finallyLines(early)).toEqual(["producer", "relay"]);
  });

  it("keeps the producer within a bounded distance of a paused consumer", async () => {
    const dir = freshDir();
    // 50,000 items of 8 KiB are 400 MiB: without backpressure the producer would finish all of them.
    const iterator = new RelayClient({ baseUrl: served.url }).runRemote({ mode: "count", count: 50_000, padBytes: 8192, dir })[Symbol.asyncIterator]();
    await iterator.next();
    // Socket and stream buffers of two hops hold some MiB: a few thousand items at most.
    expect(await settledCount(dir)).toBeLessThan(5_000);
    await iterator.return();
    await until(() => finallyLines(dir).length === 2);
    expect(finallyLines(dir)).toEqual(["producer", "relay"]);
  });
});
