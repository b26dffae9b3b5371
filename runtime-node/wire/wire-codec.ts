import { largeViewDataOffset, packChunks, unpackWithViews, wirePackr, type MsgpackPackr } from "./msgpack-large-views.js";
import { JSON_TYPE, MSGPACK_LEGACY_TYPE, MSGPACK_TYPE } from "../protocol/http.js";
import { splitFrames } from "./stream-frames.js";
import { asNodeBuffer } from "./bytes.js";

const UTF8 = new TextDecoder();

export type WireFormat = "json" | "msgpack";

let msgpack: MsgpackPackr | undefined;
let loadingMsgpack: Promise<void> | undefined;

/**
 * Resolves once bodies of `format` can be encoded and decoded, or is undefined when they already can:
 * msgpackr is loaded with the first MessagePack body (a request, a binary dependency), not at start,
 * where evaluating it (and its probe for a native extension on disk) cost every Chainlet. The codec's
 * MessagePack functions throw until it has loaded.
 */
export function formatReady(format: WireFormat): Promise<void> | undefined {
  if (format === "json" || msgpack) return undefined;
  return (loadingMsgpack ??= import("msgpackr").then((msgpackr) => {
    msgpack = wirePackr(msgpackr);
  }));
}

function packr(): MsgpackPackr {
  if (!msgpack) throw new Error("the MessagePack codec was used before formatReady(\"msgpack\") resolved");
  return msgpack;
}

function base64Replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  // `this[key]` is the value before toJSON ran: a Buffer's toJSON would turn it into a number array.
  const raw = this[key];
  if (ArrayBuffer.isView(raw)) return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("base64");
  return value;
}

/** How deep `mayHoldViews` looks before it gives up and lets the replacer decide. */
const VIEW_SCAN_DEPTH = 32;

/**
 * False when `value` surely holds no typed array or Buffer: then plain `JSON.stringify` gives the same
 * text as with `base64Replacer`, on V8's fast path (a replacer function is called for every key and
 * leaves it). True when it holds one, when an object's own `toJSON` could return one, or when the
 * value is deeper than the scan goes (cycles included: the replacer path reports them as before).
 */
function mayHoldViews(value: unknown, depth: number): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (depth > VIEW_SCAN_DEPTH || ArrayBuffer.isView(value)) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (mayHoldViews(item, depth + 1)) return true;
    return false;
  }
  if (value instanceof Date) return false;
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return true;
  for (const key in value) {
    if (Object.hasOwn(value, key) && mayHoldViews((value as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return false;
}

/** JSON text of a value: typed arrays as base64 of their bytes (little-endian), Dates via toJSON. */
export function toJsonText(value: unknown): string {
  const json = value === undefined ? null : value;
  return mayHoldViews(json, 0) ? JSON.stringify(json, base64Replacer) : JSON.stringify(json);
}

export function encode(format: WireFormat, value: unknown): Buffer {
  return format === "msgpack" ? asNodeBuffer(packr().pack(value === undefined ? null : value)) : Buffer.from(toJsonText(value));
}

/**
 * A body as the chunks to write in order. In MessagePack, large typed arrays are chunks of their own
 * that view the array's memory (not copied), so they must not change until the body is written.
 */
export function encodeChunks(format: WireFormat, value: unknown): Uint8Array[] {
  return format === "msgpack" ? packChunks(packr(), value === undefined ? null : value) : [Buffer.from(toJsonText(value))];
}

/**
 * Parses a body; throws SyntaxError (JSON) or a msgpackr error on malformed input. Large typed arrays
 * of a MessagePack body whose bytes are aligned come back as views of `body`, which the caller hands
 * over (it must not be reused).
 */
export function decode(format: WireFormat, body: Buffer): unknown {
  return format === "msgpack" ? unpackWithViews(packr(), body) : JSON.parse(body.toString("utf8"));
}

/**
 * For a body reader: the offset in a body of this format, guessed from its first chunk, that should
 * sit 8-byte aligned in memory so that `decode` can return its typed array without a copy.
 */
export function alignedOffsetOf(format: WireFormat, head: Uint8Array): number | undefined {
  return format === "msgpack" ? largeViewDataOffset(head) : undefined;
}

/** One stream frame: an ndjson line or a length-prefixed MessagePack value. */
export function encodeFrame(format: WireFormat, value: unknown): Buffer {
  if (format === "json") return Buffer.from(`${toJsonText(value)}\n`);
  const packed = asNodeBuffer(packr().pack(value === undefined ? null : value));
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

/** The `charset` parameter of a Content-Type, lowercased and unquoted, or undefined when it has none. */
export function charsetOf(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  for (const parameter of contentType.split(";").slice(1)) {
    const [name, ...value] = parameter.split("=");
    if (name!.trim().toLowerCase() === "charset") return value.join("=").trim().replace(/^"(.*)"$/, "$1").toLowerCase();
  }
  return undefined;
}

/** Decoded bodies of one stream, frame by frame, from chunks that split frames anywhere (see `splitFrames` for the limit). */
export async function* decodeFrames(format: WireFormat, chunks: AsyncIterable<Buffer>, maxFrameBytes?: number): AsyncGenerator<unknown> {
  const ready = formatReady(format);
  if (ready) await ready;
  for await (const frame of splitFrames(format, chunks, maxFrameBytes)) {
    yield format === "json" ? JSON.parse(UTF8.decode(frame)) : packr().unpack(frame);
  }
}
