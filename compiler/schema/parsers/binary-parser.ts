import type { JsonSchema } from "../../chain-ir.js";
import type { TypeParser } from "../schema-context.js";

/** Binary types: base64 strings in JSON mode, raw bytes in MessagePack mode, revived to the same class. */
export const BINARY_TYPES = [
  "Uint8Array",
  "Buffer",
  "Float32Array",
  "Float64Array",
  "Int8Array",
  "Int16Array",
  "Int32Array",
  "Uint8ClampedArray",
  "Uint16Array",
  "Uint32Array",
] as const;

const binaryNames = new Set<string>(BINARY_TYPES);

export const binaryParser: TypeParser = {
  supports: (type, context) => binaryNames.has(context.lib.globalName(type) ?? ""),
  parse: (type, _path, context): JsonSchema => ({
    type: "string",
    contentEncoding: "base64",
    "x-tschains-type": context.lib.globalName(type),
  }),
};
