import { ts } from "ts-morph";
import type { JsonSchema } from "../chain-ir.js";
import { unionSchema } from "./parsers/union-parser.js";
import type { SchemaContext } from "./schema-context.js";
import { SchemaCode } from "./schema-codes.js";
import type { TypePath } from "./type-path.js";

const UNDEFINED_LIKE = ts.TypeFlags.Undefined | ts.TypeFlags.Void;

/** True when the type is, or is a union containing, `undefined`/`void`. */
export function includesUndefined(type: ts.Type): boolean {
  return Boolean(type.flags & UNDEFINED_LIKE) || (type.isUnion() && type.types.some((t) => t.flags & UNDEFINED_LIKE));
}

/**
 * Schema of an optional slot (optional property, optional parameter, optional tuple element): `undefined`
 * means "absent" there, so it is dropped from the type. `declared` is the type as written in the source
 * (`status?: Status`), used when it is the same type minus `undefined` so the alias keeps its `$ref`.
 */
export function parseWithoutUndefined(
  type: ts.Type,
  declared: ts.Type | undefined,
  path: TypePath,
  context: SchemaContext,
): JsonSchema {
  if (!includesUndefined(type)) return context.parse(type, path);
  const members = (type.isUnion() ? type.types : [type]).filter((t) => !(t.flags & UNDEFINED_LIKE));
  if (declared && !includesUndefined(declared) && sameMembers(members, declared)) return context.parse(declared, path);
  if (members.length === 0) {
    return context.reject(SchemaCode.Undefined, path, "a value that is always undefined cannot be sent over the wire", type);
  }
  if (members.length === 1) return context.parse(members[0], path);
  return unionSchema(members, path, context);
}

/** The type written in a declaration's annotation, if any. */
export function declaredType(declaration: ts.Node | undefined, checker: ts.TypeChecker): ts.Type | undefined {
  const typeNode = declaration && (declaration as { type?: ts.TypeNode }).type;
  return typeNode && ts.isTypeNode(typeNode) ? checker.getTypeFromTypeNode(typeNode) : undefined;
}

function sameMembers(members: readonly ts.Type[], declared: ts.Type): boolean {
  const declaredMembers = declared.isUnion() ? declared.types : [declared];
  return declaredMembers.length === members.length && declaredMembers.every((t) => members.includes(t));
}
