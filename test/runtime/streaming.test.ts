import { afterAll, describe, expect, it } from "vitest";
import { ChainletBase, depends, HttpError } from "tschains";
import { RemoteError } from "../../runtime-node/errors/remote-error.js";
import { Transport } from "../../runtime-node/transport/transport.js";
import { closeAll, inputSchema, serve } from "./harness.js";

const S = "https://json-schema.org/draft/2020-12/schema";
const Item = { $schema: S, type: "object", properties: { i: { type: "integer" }, pad: { type: "string" } }, required: ["i", "pad"], additionalProperties: false };
const progress = { produced: 0, finallyRan: 0 };

class Producer extends ChainletBase {
  async *runRemote(count: number, failAt: number, padBytes: number): AsyncGenerator<{ i: number; pad: string }> {
    const pad = "x".repeat(padBytes);
    try {
      for (let i = 0; i < count; i++) {
        if (i === failAt) throw new HttpError(418, `producer gave up at ${i}`);
        progress.produced++;
        yield { i, pad };
      }
    } finally {
      progress.finallyRan++;
    }
  }
}
class Relay extends ChainletBase {
  constructor(private readonly producer = depends(Producer, { streamingReadTimeoutSec: 30 })) {
    super();
  }
  async *runRemote(count: number, failAt: number, padBytes: number): AsyncGenerator<{ i: number; pad: string }> {
    for await (const item of this.producer.runRemote(count, failAt, padBytes)) yield item;
  }
}
class Waveform extends ChainletBase {
  async *runRemote(chunks: number): AsyncGenerator<Float32Array> {
    for (let c = 0; c < chunks; c++) yield new Float32Array([c, Number.NaN, -0, Number.POSITIVE_INFINITY]);
  }
}
class Mixer extends ChainletBase {
  constructor(private readonly waveform = depends(Waveform, { binary: true })) {
    super();
  }
  async *runRemote(chunks: number): AsyncGenerator<Float32Array> {
    for await (const chunk of this.waveform.runRemote(chunks)) yield chunk.map((v) => v * 2);
  }
}

const input = inputSchema({ count: { type: "integer" }, failAt: { type: "integer" }, padBytes: { type: "integer" } });
const Samples = { $schema: S, type: "string", contentEncoding: "base64", "x-tschains-type": "Float32Array" };

async function twoHops() {
  const producer = await serve({ chainlet: Producer, input, output: Item, streaming: true });
  const relay = await serve(
    { chainlet: Relay, input, output: Item, streaming: true, dependencies: { producer: { parameters: ["count", "failAt", "padBytes"], output: Item, streaming: true } } },
    { CHAINS_DEPENDENCIES: JSON.stringify({ producer: producer.url }) },
  );
  return relay;
}

const transport = new Transport();
afterAll(async () => {
  await transport.close();
  await closeAll();
});

async function until(condition: () => boolean, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; !condition() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 10));
}

describe("streams through two hops", () => {
  it("delivers 10,000 items in order", async () => {
    const relay = await twoHops();
    let expected = 0;
    for await (const item of transport.endpoint("relay", relay.url).stream({ count: 10_000, failAt: -1, padBytes: 8 })) {
      expect((item as { i: number }).i).toBe(expected++);
    }
    expect(expected).toBe(10_000);
  });

  it("ends with the producer's error, typed, after the items sent before it", async () => {
    const relay = await twoHops();
    const seen: number[] = [];
    const error: any = await (async () => {
      for await (const item of transport.endpoint("relay", relay.url).stream({ count: 100, failAt: 7, padBytes: 1 })) seen.push((item as { i: number }).i);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error.status).toBe(418);
    expect(error.envelope).toMatchObject({ type: "RemoteError", chainlet: "relay", cause: { type: "HttpError", chainlet: "producer", message: "producer gave up at 7" } });
  });

  it("runs the producer's finally when the consumer stops early", async () => {
    const relay = await twoHops();
    const before = progress.finallyRan;
    let n = 0;
    for await (const _ of transport.endpoint("relay", relay.url).stream({ count: 1_000_000, failAt: -1, padBytes: 64 })) {
      if (++n === 3) break;
    }
    await until(() => progress.finallyRan > before);
    expect(progress.finallyRan).toBe(before + 1);
  });

  it("does not let the producer run far ahead of a paused consumer", async () => {
    const relay = await twoHops();
    const before = progress.produced;
    const iterator = transport.endpoint("relay", relay.url).stream({ count: 100_000, failAt: -1, padBytes: 4096 })[Symbol.asyncIterator]();
    await iterator.next();
    let last = -1;
    await until(() => {
      const now = progress.produced;
      const stable = now === last;
      last = now;
      return stable && now > before;
    }, 5000);
    // 100,000 items of 4 KiB would be 400 MiB; socket and stream buffers hold a few MiB at most.
    expect(progress.produced - before).toBeLessThan(5_000);
    await iterator.return?.();
  });

  it("moves Float32Array items as raw MessagePack frames in binary mode", async () => {
    const waveform = await serve({ chainlet: Waveform, input: inputSchema({ chunks: { type: "integer" } }), output: Samples, streaming: true });
    const mixer = await serve(
      { chainlet: Mixer, input: inputSchema({ chunks: { type: "integer" } }), output: Samples, streaming: true, dependencies: { waveform: { parameters: ["chunks"], output: Samples, streaming: true } } },
      { CHAINS_DEPENDENCIES: JSON.stringify({ waveform: waveform.url }) },
    );
    const items: Float32Array[] = [];
    for await (const item of transport.endpoint("mixer", mixer.url, { binary: true }).stream({ chunks: 3 })) items.push(item as Float32Array);
    expect(items).toHaveLength(3);
    expect(items[2]).toBeInstanceOf(Float32Array);
    expect(Array.from(items[2])).toEqual([4, Number.NaN, -0, Number.POSITIVE_INFINITY]);
    expect(Object.is(items[2][2], -0)).toBe(true);
    const json: string[] = [];
    for await (const item of transport.endpoint("mixer", mixer.url).stream({ chunks: 1 })) json.push(item as string);
    expect(json[0]).toBe(Buffer.from(new Float32Array([0, Number.NaN, -0, Number.POSITIVE_INFINITY]).buffer).toString("base64"));
  });
});
