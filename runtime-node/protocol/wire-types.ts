/**
 * The wire's non-JSON types: the JSON Schema marker the compiler writes on their nodes, and the typed
 * array classes the wire carries (base64 in JSON, raw bytes in MessagePack). The compiler's parsers,
 * the validators' ajv keyword, the client's revival and the `.d.ts` emitter all read them from here.
 */

/** JSON Schema marker the compiler puts on nodes whose TypeScript type is not plain JSON. */
export const WIRE_MARKER = "x-tschains-type";

/** Byte size of one element of each binary type the wire supports. */
export const BINARY_TYPES = {
  Uint8Array: 1,
  Buffer: 1,
  Uint8ClampedArray: 1,
  Int8Array: 1,
  Int16Array: 2,
  Uint16Array: 2,
  Int32Array: 4,
  Uint32Array: 4,
  Float32Array: 4,
  Float64Array: 8,
} as const;

export type BinaryTypeName = keyof typeof BINARY_TYPES;
export type WireTypeName = "Date" | BinaryTypeName;

/** The names of `BINARY_TYPES`, in their declared order. */
export const BINARY_TYPE_NAMES = Object.keys(BINARY_TYPES) as BinaryTypeName[];

export function isBinaryTypeName(value: unknown): value is BinaryTypeName {
  return typeof value === "string" && Object.hasOwn(BINARY_TYPES, value);
}

export function isWireTypeName(value: unknown): value is WireTypeName {
  return value === "Date" || isBinaryTypeName(value);
}
