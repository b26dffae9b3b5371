import { concatBytes, isNodeBuffer } from "./bytes.js";

/**
 * What the wire codec needs of msgpackr (the module: `import("msgpackr")`, or the one a typed client's
 * caller hands over). Only these two names are used, so that any copy of msgpackr (Node's or the
 * browser build, ESM or CommonJS) serves.
 */
export interface MsgpackrModule {
  Packr: new (options: { moreTypes: boolean; useRecords: boolean }) => MsgpackPackr;
  addExtension(extension: { type: number; unpack(data: Uint8Array): unknown }): void;
}

/** A MessagePack codec, as msgpackr's `Packr` is one. */
export interface MsgpackPackr {
  pack(value: unknown): Uint8Array;
  unpack(bytes: Uint8Array): unknown;
}

/**
 * Typed arrays of at least this many bytes travel without copies: sent as their own chunk after the
 * MessagePack bytes that precede them, and read back as views of the received body. Smaller ones are
 * cheaper to copy than to keep a whole body alive through a view.
 */
export const LARGE_VIEW_BYTES = 64 * 1024;

// msgpackr's typed-array extension (type 0x74, "t"): the first data byte is the index of the class here.
const TYPED_ARRAY_EXT = 0x74;
const TYPED_ARRAY_CLASSES = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
] as const;
type TypedArrayClass = (typeof TYPED_ARRAY_CLASSES)[number];
const TYPED_ARRAY_CODES = new Map<unknown, number>(TYPED_ARRAY_CLASSES.map((Class, code) => [Class, code]));

let viewsAllowed = false;

/**
 * Replaces msgpackr's typed-array reader, which always copies the bytes (`slice`) to get an aligned
 * buffer. While `unpackWithViews` runs, a large array whose bytes are aligned for its class is
 * returned as a view of the body instead; every other read (other Unpackr users in the process
 * included) behaves exactly as msgpackr's own reader.
 */
function readTypedArray(data: Uint8Array): unknown {
  const code = data[0];
  const Class: TypedArrayClass | undefined = TYPED_ARRAY_CLASSES[code];
  const byteLength = data.length - 1;
  const byteOffset = data.byteOffset + 1;
  if (
    viewsAllowed &&
    Class &&
    byteLength >= LARGE_VIEW_BYTES &&
    byteOffset % Class.BYTES_PER_ELEMENT === 0 &&
    byteLength % Class.BYTES_PER_ELEMENT === 0
  ) {
    return new Class(data.buffer as ArrayBuffer, byteOffset, byteLength / Class.BYTES_PER_ELEMENT);
  }
  const copy = Uint8Array.prototype.slice.call(data, 1).buffer;
  if (Class) return new Class(copy);
  if (code === 16) return copy;
  if (code === 17) return new DataView(copy);
  throw new Error(`Could not find typed array for code ${code}`);
}

/** Installs `readTypedArray` as msgpackr's typed-array reader. */
function installTypedArrayReader(msgpackr: MsgpackrModule): void {
  msgpackr.addExtension({ type: TYPED_ARRAY_EXT, unpack: readTypedArray });
}

/**
 * msgpackr configured for the wire, with `readTypedArray` installed as its typed-array reader: what
 * the served runtime and the generated client both encode and decode with.
 */
export function wirePackr(msgpackr: MsgpackrModule): MsgpackPackr {
  installTypedArrayReader(msgpackr);
  // Records would make the wire depend on shared structure state; typed arrays keep their class.
  return new msgpackr.Packr({ moreTypes: true, useRecords: false });
}

/**
 * Unpacks `body`, returning large aligned typed arrays as views of it (so `body` must not be reused).
 * With `msgpackr` (the module `packr` came from), `readTypedArray` is installed again first: other
 * code sharing that module (another generated client, say) may have installed its own copy since.
 */
export function unpackWithViews(packr: MsgpackPackr, body: Uint8Array, msgpackr?: MsgpackrModule): unknown {
  if (msgpackr) installTypedArrayReader(msgpackr);
  viewsAllowed = true;
  try {
    return packr.unpack(body);
  } finally {
    viewsAllowed = false;
  }
}

/**
 * Where in a MessagePack body the bytes of its first large multi-byte typed array start, read from
 * the body's first chunk; undefined when the chunk shows none. A reader that places the body so that
 * this offset is 8-byte aligned lets `unpackWithViews` return that array (and, typically, the
 * others of the same size class) without a copy. A wrong guess only costs that copy.
 */
export function largeViewDataOffset(head: Uint8Array): number | undefined {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  // ext 32 header: 0xc9, length (u32 BE, data bytes + 1 for the class code), 0x74, class code.
  for (let at = head.indexOf(0xc9); at !== -1 && at + 7 <= head.length; at = head.indexOf(0xc9, at + 1)) {
    if (head[at + 5] !== TYPED_ARRAY_EXT) continue;
    const Class = TYPED_ARRAY_CLASSES[head[at + 6]!];
    if (!Class || Class.BYTES_PER_ELEMENT === 1 || view.getUint32(at + 1) - 1 < LARGE_VIEW_BYTES) continue;
    return at + 7;
  }
  return undefined;
}

const isPlainObject = (value: object): value is Record<string, unknown> => {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
};

function isLargeView(value: unknown): value is InstanceType<TypedArrayClass> {
  return ArrayBuffer.isView(value) && value.byteLength >= LARGE_VIEW_BYTES && (isNodeBuffer(value) || TYPED_ARRAY_CODES.has(value.constructor));
}

/** True when a large typed array sits in `value`, reached through plain objects and arrays only. */
function holdsLargeView(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (isLargeView(value)) return true;
  if (Array.isArray(value)) return value.some(holdsLargeView);
  if (!isPlainObject(value)) return false;
  for (const key in value) if (Object.hasOwn(value, key) && holdsLargeView(value[key])) return true;
  return false;
}

/** `size` bytes whose first is `first`, followed by `value` as a big-endian integer of `size - 1` bytes. */
function header(size: 1 | 3 | 5 | 7, first: number, value?: number): Uint8Array {
  const bytes = new Uint8Array(size);
  bytes[0] = first;
  if (size === 3) new DataView(bytes.buffer).setUint16(1, value!);
  else if (size > 3) new DataView(bytes.buffer).setUint32(1, value!);
  return bytes;
}

function containerHeader(small: number, sixteen: number, thirtyTwo: number, count: number): Uint8Array {
  if (count < 16) return header(1, small | count);
  return count < 0x10000 ? header(3, sixteen, count) : header(5, thirtyTwo, count);
}

/**
 * The MessagePack header of a large typed array, in the encoding msgpackr (with `moreTypes`) gives its
 * class in Node: a Buffer is `bin`, every other typed array (a plain Uint8Array included) the
 * typed-array extension, which every msgpackr decodes back to its class.
 */
function largeViewHeader(view: InstanceType<TypedArrayClass>): Uint8Array {
  if (isNodeBuffer(view)) return header(5, 0xc6, view.byteLength); // bin 32
  const ext = header(7, 0xc9, view.byteLength + 1); // ext 32
  ext[5] = TYPED_ARRAY_EXT;
  ext[6] = TYPED_ARRAY_CODES.get(view.constructor)!;
  return ext;
}

/**
 * `value` packed as the chunks of one MessagePack body, which concatenated equal what `packr.pack`
 * writes for it (up to the choice of length prefixes). A large typed array becomes a view of its own
 * bytes instead of being copied into the pack buffer; without one, the result is `[packr.pack(value)]`.
 */
export function packChunks(packr: Pick<MsgpackPackr, "pack">, value: unknown): Uint8Array[] {
  if (!holdsLargeView(value)) return [packr.pack(value)];
  const chunks: Uint8Array[] = [];
  let pending: Uint8Array[] = [];
  const flush = () => {
    if (pending.length > 0) chunks.push(pending.length === 1 ? pending[0]! : concatBytes(pending));
    pending = [];
  };
  const write = (part: unknown): void => {
    if (isLargeView(part)) {
      pending.push(largeViewHeader(part));
      flush();
      chunks.push(new Uint8Array(part.buffer, part.byteOffset, part.byteLength));
    } else if (!holdsLargeView(part)) {
      pending.push(packr.pack(part));
    } else if (Array.isArray(part)) {
      pending.push(containerHeader(0x90, 0xdc, 0xdd, part.length));
      // Indexed, not forEach: a hole must still be written (as undefined), or the count would lie.
      for (let i = 0; i < part.length; i++) write(part[i]);
    } else {
      const record = part as Record<string, unknown>;
      const keys = Object.keys(record);
      pending.push(containerHeader(0x80, 0xde, 0xdf, keys.length));
      for (const key of keys) {
        pending.push(packr.pack(key));
        write(record[key]);
      }
    }
  };
  write(value);
  flush();
  return chunks;
}
