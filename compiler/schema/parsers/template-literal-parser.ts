import { ts } from "ts-morph";
import type { JsonSchema } from "../../chain-ir.js";
import type { SchemaContext, TypeParser } from "../schema-context.js";
import { SchemaCode } from "../schema-codes.js";
import type { TypePath } from "../type-path.js";

const NUMBER_PATTERN = "-?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?";

/** Template literal types (`` `user-${number}` ``) become strings with an anchored `pattern`. */
export const templateLiteralParser: TypeParser = {
  supports: (type) => Boolean(type.flags & ts.TypeFlags.TemplateLiteral),
  parse(type: ts.Type, path: TypePath, context: SchemaContext): JsonSchema {
    const template = type as ts.TemplateLiteralType;
    let pattern = escape(template.texts[0]);
    for (let i = 0; i < template.types.length; i++) {
      const hole = holePattern(template.types[i]);
      if (hole === undefined) {
        return context.reject(SchemaCode.Unsupported, path, "this template literal type has no JSON Schema equivalent; use string", type);
      }
      pattern += hole + escape(template.texts[i + 1]);
    }
    return { type: "string", pattern: `^${pattern}$` };
  },
};

function holePattern(type: ts.Type): string | undefined {
  if (type.flags & ts.TypeFlags.String) return ".*";
  if (type.flags & ts.TypeFlags.Number) return NUMBER_PATTERN;
  if (type.isStringLiteral() || type.isNumberLiteral()) return escape(String(type.value));
  if (type.isUnion()) {
    const parts = type.types.map(holePattern);
    return parts.every((p) => p !== undefined) ? `(?:${parts.join("|")})` : undefined;
  }
  return undefined;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
