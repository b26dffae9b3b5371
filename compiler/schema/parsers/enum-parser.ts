import { ts } from "ts-morph";
import type { JsonSchema } from "../../chain-ir.js";
import type { TypeParser } from "../schema-context.js";

/** A whole `enum` type: its member values as `enum`, typed `string`, `number` or both. */
export const enumParser: TypeParser = {
  supports: (type) => Boolean(type.flags & ts.TypeFlags.Union && type.flags & ts.TypeFlags.EnumLiteral),
  parse(type): JsonSchema {
    const values = (type as ts.UnionType).types.map((t) => (t as ts.LiteralType).value as string | number);
    const types = [...new Set(values.map((v) => (typeof v === "number" ? "number" : "string")))];
    return { type: types.length === 1 ? types[0] : types, enum: values };
  },
};
