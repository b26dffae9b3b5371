import type { ts } from "ts-morph";
import type { JsonSchema } from "../../chain-ir.js";
import type { SchemaContext, TypeParser } from "../schema-context.js";
import type { TypePath } from "../type-path.js";

/** `T[]`, `Array<T>`, `readonly T[]`, `ReadonlyArray<T>`. */
export const arrayParser: TypeParser = {
  supports: (type, context) => context.checker.isArrayType(type),
  parse(type: ts.Type, path: TypePath, context: SchemaContext): JsonSchema {
    const [item] = context.checker.getTypeArguments(type as ts.TypeReference);
    return { type: "array", items: context.parse(item, path.item()) };
  },
};
