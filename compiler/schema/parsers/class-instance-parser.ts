import { ts } from "ts-morph";
import type { SchemaContext, TypeParser } from "../schema-context.js";
import { SchemaCode } from "../schema-codes.js";
import type { TypePath } from "../type-path.js";
import { isMethodLike } from "./object-parser.js";

/**
 * Instances of classes with methods — the user's or the platform's (RegExp, URL, ArrayBuffer, ...) — arrive on
 * the other side as plain objects without those methods, so they are refused rather than silently degraded.
 * Interfaces of the user's own code with methods are reported per method by the object parser instead.
 */
export const classInstanceParser: TypeParser = {
  supports(type, context) {
    const symbol = type.getSymbol();
    if (!(type.flags & ts.TypeFlags.Object) || !symbol) return false;
    if (!(symbol.flags & ts.SymbolFlags.Class) && !context.lib.isExternal(symbol)) return false;
    return context.checker.getPropertiesOfType(type).some(isMethodLike);
  },
  parse(type: ts.Type, path: TypePath, context: SchemaContext) {
    const methods = context.checker
      .getPropertiesOfType(type)
      .filter((p) => isMethodLike(p) && !p.getName().startsWith("__@"))
      .map((p) => p.getName());
    const listed = methods.length > 4 ? `${methods.slice(0, 4).join(", ")}, ...` : methods.join(", ");
    return context.reject(
      SchemaCode.ClassWithMethods,
      path,
      `class instances with methods cannot be sent over the wire (methods: ${listed}); send a plain data type instead`,
      type,
    );
  },
};
