import { ts } from "ts-morph";
import type { SchemaContext, TypeParser } from "../schema-context.js";
import { SchemaCode } from "../schema-codes.js";
import type { TypePath } from "../type-path.js";

/** Anything callable or constructible (functions, classes as values) has no JSON form. */
export const functionParser: TypeParser = {
  supports: (type, context) =>
    Boolean(type.flags & ts.TypeFlags.Object) &&
    (context.checker.getSignaturesOfType(type, ts.SignatureKind.Call).length > 0 ||
      context.checker.getSignaturesOfType(type, ts.SignatureKind.Construct).length > 0),
  parse: (type: ts.Type, path: TypePath, context: SchemaContext) =>
    context.reject(SchemaCode.Function, path, "functions cannot be sent over the wire", type),
};
