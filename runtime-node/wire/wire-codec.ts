import { Packr } from "msgpackr";
import { largeViewDataOffset, packChunks, unpackWithViews } from "./msgpack-large-views.js";
import { JSON_TYPE, MSGPACK_LEGACY_TYPE, MSGPACK_TYPE } from "../protocol/http.js";


export type WireFormat = "json" | "msgpack";

// Records would make the wire depend on shared structure state; typed arrays keep their class.
const packr = new Packr({ moreTypes: true, useRecords: false });

function base64Replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  // `this[key]` is the value before toJSON ran: a Buffer's toJSON would turn it into a number array.
  const raw = this[key];
  if (ArrayBuffer.isView(raw)) return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("base64");
  return value;
}

/** JSON text of a value: typed arrays as base64 of their bytes (little-endian), Dates via toJSON. */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value === undefined ? null : value, base64Replacer);
}

export function encode(format: WireFormat, value: unknown): Buffer {
  return format === "msgpack" ? packr.pack(value === undefined ? null : value) : Buffer.from(toJsonText(value));
}

/**
 * A body as the chunks to write in order. In MessagePack, large typed arrays are chunks of their own
 * that view the array's memory (not copied), so they must not change until the body is written.
 */
export function encodeChunks(format: WireFormat, value: unknown): Buffer[] {
  return format === "msgpack" ? packChunks(packr, value === undefined ? null : value) : [Buffer.from(toJsonText(value))];
}

/**
 * Parses a body; throws SyntaxError (JSON) or a msgpackr error on malformed input. Large typed arrays
 * of a MessagePack body whose bytes are aligned come back as views of `body`, which the caller hands
 * over (it must not be reused).
 */
export function decode(format: WireFormat, body: Buffer): unknown {
  return format === "msgpack" ? unpackWithViews(packr, body) : JSON.parse(body.toString("utf8"));
}

/**
 * For a body reader: the offset in a body of this format, guessed from its first chunk, that should
 * sit 8-byte aligned in memory so that `decode` can return its typed array without a copy.
 */
export function alignedOffsetOf(format: WireFormat, head: Buffer): number | undefined {
  return format === "msgpack" ? largeViewDataOffset(head) : undefined;
}

/** One stream frame: an ndjson line or a length-prefixed MessagePack value. */
export function encodeFrame(format: WireFormat, value: unknown): Buffer {
  if (format === "json") return Buffer.from(`${toJsonText(value)}\n`);
  const packed = packr.pack(value === undefined ? null : value);
  const prefix = Buffer.allocUnsafe(4);
  prefix.writeUInt32BE(packed.length, 0);
  return Buffer.concat([prefix, packed]);
}

/** The body format a Content-Type selects, or undefined when it is not one the server speaks. */
export function formatOf(contentType: string | undefined): WireFormat | undefined {
  const type = (contentType ?? "").split(";")[0].trim().toLowerCase();
  if (type === JSON_TYPE || type === "") return "json";
  if (type === MSGPACK_TYPE || type === MSGPACK_LEGACY_TYPE) return "msgpack";
  return undefined;
}

/** Decoded bodies of one stream, frame by frame, from chunks that split frames anywhere. */
export async function* decodeFrames(format: WireFormat, chunks: AsyncIterable<Buffer>): AsyncGenerator<unknown> {
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of chunks) {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    if (format === "json") {
      let start = 0;
      for (let nl = pending.indexOf(10, start); nl !== -1; nl = pending.indexOf(10, start)) {
        const line = pending.subarray(start, nl);
        start = nl + 1;
        if (line.length > 0) yield JSON.parse(line.toString("utf8"));
      }
      pending = pending.subarray(start);
    } else {
      let start = 0;
      while (pending.length - start >= 4) {
        const size = pending.readUInt32BE(start);
        if (pending.length - start - 4 < size) break;
        yield packr.unpack(pending.subarray(start + 4, start + 4 + size));
        start += 4 + size;
      }
      pending = pending.subarray(start);
    }
  }
  if (format === "json" && pending.toString("utf8").trim().length > 0) yield JSON.parse(pending.toString("utf8"));
  else if (format === "msgpack" && pending.length > 0) throw new Error("stream ended inside a MessagePack frame");
}
