import { ts } from "ts-morph";
import type { SchemaContext, TypeParser } from "../schema-context.js";
import { SchemaCode } from "../schema-codes.js";
import type { TypePath } from "../type-path.js";

const F = ts.TypeFlags;
const GENERIC = F.TypeParameter | F.Index | F.IndexedAccess | F.Conditional | F.Substitution;

/** Type kinds with no JSON form at all: any, unknown, never, undefined/void, symbols, bigint, open generics, `object`. */
export const rejectedKindsParser: TypeParser = {
  supports: (type) =>
    Boolean(type.flags & (F.Any | F.Unknown | F.Never | F.Undefined | F.Void | F.ESSymbolLike | F.BigIntLike | GENERIC | F.NonPrimitive)),
  parse(type: ts.Type, path: TypePath, context: SchemaContext) {
    const f = type.flags;
    if (f & F.Any) return context.reject(SchemaCode.Any, path, "any cannot be checked on the wire; declare the actual type", type);
    if (f & F.Unknown) return context.reject(SchemaCode.Unknown, path, "unknown cannot be checked on the wire; declare the actual type", type);
    if (f & F.Never) return context.reject(SchemaCode.Never, path, "never has no values and cannot be sent over the wire", type);
    if (f & (F.Undefined | F.Void)) {
      return context.reject(SchemaCode.Undefined, path, "undefined cannot be sent over the wire; make the property optional or use null", type);
    }
    if (f & F.ESSymbolLike) return context.reject(SchemaCode.Symbol, path, "symbols cannot be sent over the wire", type);
    if (f & F.BigIntLike) return context.reject(SchemaCode.BigInt, path, "bigint cannot be sent over the wire; use number or a string", type);
    if (f & GENERIC) {
      return context.reject(
        SchemaCode.TypeParameter,
        path,
        "unresolved generic type parameters cannot be sent over the wire; use a concrete type",
        type,
      );
    }
    return context.reject(SchemaCode.Unsupported, path, "the type object does not say what is sent; declare the properties", type);
  },
};
