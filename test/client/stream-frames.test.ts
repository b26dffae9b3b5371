import { Packr } from "msgpackr";
import { describe, expect, it } from "vitest";
import { splitFrames } from "../../runtime-node/wire/stream-frames.js";
import { encodeFrame, formatReady } from "../../runtime-node/wire/wire-codec.js";

const packr = new Packr({ moreTypes: true, useRecords: false });
const items = [{ a: 1 }, "text with ünïcode", [1, 2, 3], { long: "x".repeat(70_000) }, null];

async function* pieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function collect(format: "json" | "msgpack", bytes: Uint8Array, size: number): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const frame of splitFrames(format, pieces(bytes, size))) {
    out.push(format === "json" ? JSON.parse(new TextDecoder().decode(frame)) : packr.unpack(frame));
  }
  return out;
}

// The codec loads msgpackr with the first MessagePack body (see formatReady).
await formatReady("msgpack");

describe("stream frames (shared by the transport and the generated client)", () => {
  for (const format of ["json", "msgpack"] as const) {
    const body = Buffer.concat(items.map((item) => encodeFrame(format, item)));
    for (const size of [1, 3, 4, 5, 4096, body.length]) {
      it(`splits ${format} frames cut into ${size}-byte chunks`, async () => {
        expect(await collect(format, body, size)).toEqual(items);
      });
    }
  }

  it("yields a last ndjson line without a newline and skips a blank one", async () => {
    expect(await collect("json", Buffer.from('{"a":1}\n\n{"b":2}'), 2)).toEqual([{ a: 1 }, { b: 2 }]);
    expect(await collect("json", Buffer.from('{"a":1}\n  \r\n'.slice(0, -1)), 3)).toEqual([{ a: 1 }]);
  });

  it("refuses a MessagePack stream that ends inside a frame", async () => {
    const cut = encodeFrame("msgpack", { a: 1 }).subarray(0, 6);
    await expect(collect("msgpack", cut, 2)).rejects.toThrow(/inside a MessagePack frame/);
  });
});
