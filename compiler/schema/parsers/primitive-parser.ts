import { ts } from "ts-morph";
import type { JsonSchema } from "../../chain-ir.js";
import type { TypeParser } from "../schema-context.js";

const F = ts.TypeFlags;

/** string, number, boolean, null and their literal types (enum members included). */
export const primitiveParser: TypeParser = {
  supports: (type) => Boolean(type.flags & (F.String | F.Number | F.Boolean | F.Null | F.StringLiteral | F.NumberLiteral | F.BooleanLiteral)),
  parse(type): JsonSchema {
    const f = type.flags;
    if (f & F.Boolean) return { type: "boolean" };
    if (f & F.String) return { type: "string" };
    if (f & F.Number) return { type: "number" };
    if (f & F.Null) return { type: "null" };
    if (f & F.BooleanLiteral) return { type: "boolean", const: (type as { intrinsicName?: string }).intrinsicName === "true" };
    const value = (type as ts.LiteralType).value;
    return { type: typeof value === "number" ? "number" : "string", const: value };
  },
};
