import type { TypeParser } from "../schema-context.js";
import { SchemaCode } from "../schema-codes.js";

/** Last in the chain: whatever no other parser understood is reported, never guessed. */
export const unsupportedParser: TypeParser = {
  supports: () => true,
  parse: (type, path, context) => context.reject(SchemaCode.Unsupported, path, "this type has no JSON form and cannot be sent over the wire", type),
};
