import { ts } from "ts-morph";
import type { JsonSchema } from "../../chain-ir.js";
import { parseWithoutUndefined } from "../optional-types.js";
import type { SchemaContext, TypeParser } from "../schema-context.js";
import { SchemaCode } from "../schema-codes.js";
import type { TypePath } from "../type-path.js";

/** Tuples: `prefixItems`, optional elements lower `minItems`, a rest element becomes `items`. */
export const tupleParser: TypeParser = {
  supports: (type, context) => context.checker.isTupleType(type),
  parse(type: ts.Type, path: TypePath, context: SchemaContext): JsonSchema {
    const reference = type as ts.TypeReference;
    const flags = (reference.target as ts.TupleType).elementFlags;
    const elements = context.checker.getTypeArguments(reference);
    const prefixItems: JsonSchema[] = [];
    let rest: JsonSchema | undefined;
    let minItems = 0;
    for (let i = 0; i < flags.length; i++) {
      const flag = flags[i];
      if (flag & ts.ElementFlags.Variadic) {
        return context.reject(SchemaCode.Unsupported, path, "variadic tuple elements cannot be described; spell the tuple out", type);
      }
      if (flag & ts.ElementFlags.Rest) {
        if (i !== flags.length - 1) {
          return context.reject(SchemaCode.Unsupported, path, "a rest element must be the last element of a tuple sent over the wire", type);
        }
        rest = context.parse(elements[i], path.element(i));
        continue;
      }
      if (flag & ts.ElementFlags.Required) {
        prefixItems.push(context.parse(elements[i], path.element(i)));
        minItems = i + 1;
      } else {
        prefixItems.push(parseWithoutUndefined(elements[i], undefined, path.element(i), context));
      }
    }
    const schema: JsonSchema = { type: "array" };
    if (prefixItems.length > 0) schema.prefixItems = prefixItems;
    schema.items = rest ?? false;
    schema.minItems = minItems;
    if (rest === undefined) schema.maxItems = prefixItems.length;
    return schema;
  },
};
