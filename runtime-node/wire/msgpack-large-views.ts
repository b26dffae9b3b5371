import type { addExtension, Packr } from "msgpackr";

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

/** Installs `readTypedArray` as msgpackr's typed-array reader; the codec calls it when it loads msgpackr. */
export function installTypedArrayReader(add: typeof addExtension): void {
  add({ type: TYPED_ARRAY_EXT, unpack: readTypedArray });
}

/** Unpacks `body`, returning large aligned typed arrays as views of it (so `body` must not be reused). */
export function unpackWithViews(packr: Packr, body: Buffer): unknown {
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
export function largeViewDataOffset(head: Buffer): number | undefined {
  // ext 32 header: 0xc9, length (u32 BE, data bytes + 1 for the class code), 0x74, class code.
  for (let at = head.indexOf(0xc9); at !== -1 && at + 7 <= head.length; at = head.indexOf(0xc9, at + 1)) {
    if (head[at + 5] !== TYPED_ARRAY_EXT) continue;
    const Class = TYPED_ARRAY_CLASSES[head[at + 6]];
    if (!Class || Class.BYTES_PER_ELEMENT === 1 || head.readUInt32BE(at + 1) - 1 < LARGE_VIEW_BYTES) continue;
    return at + 7;
  }
  return undefined;
}

const isPlainObject = (value: object): value is Record<string, unknown> => {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
};

function isLargeView(value: unknown): value is Uint8Array | InstanceType<TypedArrayClass> {
  return ArrayBuffer.isView(value) && value.byteLength >= LARGE_VIEW_BYTES && (value instanceof Buffer || TYPED_ARRAY_CODES.has(value.constructor));
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

function containerHeader(small: number, sixteen: number, thirtyTwo: number, count: number): Buffer {
  if (count < 16) return Buffer.from([small | count]);
  const header = Buffer.allocUnsafe(count < 0x10000 ? 3 : 5);
  header[0] = count < 0x10000 ? sixteen : thirtyTwo;
  if (count < 0x10000) header.writeUInt16BE(count, 1);
  else header.writeUInt32BE(count, 1);
  return header;
}

/** The MessagePack header of a large typed array, in the encoding msgpackr gives its class. */
function largeViewHeader(view: Uint8Array | InstanceType<TypedArrayClass>): Buffer {
  if (view instanceof Buffer) {
    const header = Buffer.allocUnsafe(5);
    header[0] = 0xc6; // bin 32
    header.writeUInt32BE(view.byteLength, 1);
    return header;
  }
  const header = Buffer.allocUnsafe(7);
  header[0] = 0xc9; // ext 32
  header.writeUInt32BE(view.byteLength + 1, 1);
  header[5] = TYPED_ARRAY_EXT;
  header[6] = TYPED_ARRAY_CODES.get(view.constructor)!;
  return header;
}

/**
 * `value` packed as the chunks of one MessagePack body, which concatenated equal what `packr.pack`
 * writes for it (up to the choice of length prefixes). A large typed array becomes a view of its own
 * bytes instead of being copied into the pack buffer; without one, the result is `[packr.pack(value)]`.
 */
export function packChunks(packr: Packr, value: unknown): Buffer[] {
  if (!holdsLargeView(value)) return [packr.pack(value)];
  const chunks: Buffer[] = [];
  let pending: Buffer[] = [];
  const flush = () => {
    if (pending.length > 0) chunks.push(pending.length === 1 ? pending[0] : Buffer.concat(pending));
    pending = [];
  };
  const write = (part: unknown): void => {
    if (isLargeView(part)) {
      pending.push(largeViewHeader(part));
      flush();
      chunks.push(Buffer.from(part.buffer, part.byteOffset, part.byteLength));
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
