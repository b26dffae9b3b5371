import { ts } from "ts-morph";
import type { JsonSchema } from "../../chain-ir.js";
import type { SchemaContext, TypeParser } from "../schema-context.js";
import type { TypePath } from "../type-path.js";
import { objectSchema } from "./object-parser.js";

const PRIMITIVE = ts.TypeFlags.StringLike | ts.TypeFlags.NumberLike | ts.TypeFlags.BooleanLike;

/**
 * Intersections of object types are merged into one object (the checker already knows the merged
 * properties), so `additionalProperties: false` stays correct. Branded primitives (`string & { __brand: "Id" }`)
 * travel as the primitive: the brand exists only for the type checker. Anything else becomes `allOf`.
 */
export const intersectionParser: TypeParser = {
  supports: (type) => type.isIntersection(),
  parse(type: ts.Type, path: TypePath, context: SchemaContext): JsonSchema {
    const members = (type as ts.IntersectionType).types;
    const primitives = members.filter((m) => m.flags & PRIMITIVE);
    if (primitives.length > 0) {
      const schemas = primitives.map((m) => context.parse(m, path));
      return schemas.length === 1 ? schemas[0] : { allOf: schemas };
    }
    if (members.every((m) => m.flags & ts.TypeFlags.Object && !context.checker.isArrayType(m) && !context.checker.isTupleType(m))) {
      return objectSchema(type, path, context);
    }
    return { allOf: members.map((m) => context.parse(m, path)) };
  },
};
