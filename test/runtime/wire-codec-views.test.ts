import { Packr } from "msgpackr";
import { beforeAll, describe, expect, it } from "vitest";
import { readWholeBody } from "../../runtime-node/wire/aligned-body.js";
import { alignedOffsetOf, decode, encode, encodeChunks, formatReady } from "../../runtime-node/wire/wire-codec.js";

const otherPackr = new Packr({ moreTypes: true, useRecords: false });

function samples(count: number): Float32Array {
  const array = new Float32Array(count).map((_, i) => Math.sin(i / 7));
  array.set([Number.NaN, -0, Infinity, -Infinity], 0);
  return array;
}

async function* inPieces(body: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < body.length; at += size) yield Buffer.from(body.subarray(at, at + size));
}

// The codec loads msgpackr with the first MessagePack body (see formatReady).
beforeAll(() => formatReady("msgpack"));

describe("MessagePack bodies with large typed arrays", () => {
  const raw = Buffer.alloc(70_000, 3);
  const value = {
    samples: samples(100_000),
    // The hole and the undefined must keep their places next to a large array.
    parts: [{ raw, bytes: new Uint8Array(90_000).fill(7), wide: new Float64Array(20_000).fill(-1.5), name: "x" }, 1, , undefined, null],
    when: new Date(0),
    small: new Int16Array([1, -2, 3]),
    missing: undefined,
  };

  it("sends them as chunks that read back exactly as msgpackr's own packing, by any Unpackr", () => {
    const chunks = encodeChunks("msgpack", value);
    expect(chunks.length).toBeGreaterThan(1);
    // The array's own memory is a chunk: sent without a copy.
    expect(chunks.some((chunk) => chunk.buffer === value.samples.buffer)).toBe(true);
    const body = Buffer.concat(chunks);
    const decoded = otherPackr.unpack(body) as typeof value;
    expect(decoded).toEqual(otherPackr.unpack(encode("msgpack", value)));
    expect(decoded.samples).toBeInstanceOf(Float32Array);
    expect(Object.is(decoded.samples[1], -0)).toBe(true);
    expect(Number.isNaN(decoded.samples[0])).toBe(true);
    expect(decoded.parts[0]).toMatchObject({ raw, name: "x" });
    expect(decoded.when).toEqual(new Date(0));
    expect(decoded.parts.slice(1)).toEqual([1, undefined, undefined, null]);
  });

  it("reads a body split into chunks into memory where the first large array is a view, not a copy", async () => {
    const packed = Buffer.concat(encodeChunks("msgpack", value));
    const body = await readWholeBody(inPieces(packed, 65_536), packed.length, (head) => alignedOffsetOf("msgpack", head));
    expect(body.equals(packed)).toBe(true);
    const decoded = decode("msgpack", body) as typeof value;
    expect(decoded.samples.buffer).toBe(body.buffer);
    expect(decoded.samples).toEqual(value.samples);
    expect(decoded.parts[0]).toEqual(value.parts[0]);
    // Other users of msgpackr in the process keep getting copies they own.
    expect((otherPackr.unpack(body) as typeof value).samples.buffer).not.toBe(body.buffer);
  });

  it("reads a body sent without a length (chunked) into memory where the first large array is a view too", async () => {
    // A one-letter key puts the array's bytes at offset 11: joined anywhere, they would not be aligned.
    const sent = { s: samples(100_000), after: value.parts[0] };
    const packed = Buffer.concat(encodeChunks("msgpack", sent));
    expect(alignedOffsetOf("msgpack", packed)! % 4).not.toBe(0);
    const body = await readWholeBody(inPieces(packed, 65_531), undefined, (head) => alignedOffsetOf("msgpack", head));
    expect(body.equals(packed)).toBe(true);
    const decoded = decode("msgpack", body) as typeof sent;
    expect(decoded.s.buffer).toBe(body.buffer);
    expect(decoded.s).toEqual(sent.s);
    expect(decoded.after).toEqual(sent.after);
  });

  it("copies an array whose bytes are not aligned for its class, and keeps small arrays as copies", () => {
    const packed = Buffer.concat(encodeChunks("msgpack", { wide: new Float64Array(10_000).fill(2), small: new Float32Array([1, 2]) }));
    const offset = alignedOffsetOf("msgpack", packed)!;
    // Placed so that the Float64Array's bytes start 4 bytes off an 8-byte boundary.
    const body = Buffer.allocUnsafeSlow(packed.length + 16).subarray(((8 - (offset % 8)) % 8) + 4);
    packed.copy(body);
    const decoded = decode("msgpack", body.subarray(0, packed.length)) as { wide: Float64Array; small: Float32Array };
    expect(decoded.wide.buffer).not.toBe(body.buffer);
    expect(decoded.wide).toEqual(new Float64Array(10_000).fill(2));
    expect(decoded.small).toEqual(new Float32Array([1, 2]));
    expect(decoded.small.buffer).not.toBe(body.buffer);
  });

  it("keeps a read bounded when the declared length is past the limit, or is a lie", async () => {
    const packed = Buffer.concat(encodeChunks("msgpack", value));
    const tooLarge = () => new RangeError("too large");
    let pulled = 0;
    async function* counted(): AsyncGenerator<Buffer> {
      for await (const piece of inPieces(packed, 65_536)) {
        pulled++;
        yield piece;
      }
    }
    // A declared length past the limit is refused before a byte is taken.
    await expect(readWholeBody(counted(), packed.length, undefined, { maxBytes: packed.length - 1, tooLarge })).rejects.toThrow("too large");
    expect(pulled).toBe(0);
    // A body that claims less than the limit and sends more is stopped at the chunk that passes it.
    await expect(readWholeBody(counted(), 1_000, undefined, { maxBytes: 200_000, tooLarge })).rejects.toThrow("too large");
    expect(pulled).toBe(Math.ceil(200_001 / 65_536));
    // Within the limit, the body is whole and byte-exact, its first large array a view of it.
    const body = await readWholeBody(inPieces(packed, 4_099), packed.length, (head) => alignedOffsetOf("msgpack", head), { maxBytes: packed.length, tooLarge });
    expect(body.equals(packed)).toBe(true);
    expect((decode("msgpack", body) as typeof value).samples.buffer).toBe(body.buffer);
  });
});
