import type { ts } from "ts-morph";
import type { JsonSchema } from "../../chain-ir.js";
import { applyDocs, symbolDocs } from "../jsdoc-tags.js";
import type { SchemaContext, TypeParser } from "../schema-context.js";
import { definitionName } from "../type-naming.js";
import type { TypePath } from "../type-path.js";

/**
 * Named types (interfaces, classes, enums, type aliases, their generic instantiations) go to `$defs` once and
 * are referenced with `$ref`, which is also what makes recursive types finite.
 */
export const referenceParser: TypeParser = {
  supports: (type, context, options) => !options.inline && definitionName(type, context) !== undefined,
  parse(type: ts.Type, path: TypePath, context: SchemaContext): JsonSchema {
    const name = definitionName(type, context) as string;
    return context.defs.reference(type, name, () => {
      const body = context.parse(type, path, { inline: true });
      const symbol = type.aliasSymbol ?? type.getSymbol();
      return symbol ? applyDocs(body, symbolDocs(symbol, context.checker), path, context) : body;
    });
  },
};
