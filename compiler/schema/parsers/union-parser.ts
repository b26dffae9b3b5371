import { ts } from "ts-morph";
import type { JsonSchema } from "../../chain-ir.js";
import type { SchemaContext, TypeParser } from "../schema-context.js";
import type { TypePath } from "../type-path.js";

/** Unions: `anyOf`, collapsed to `type: [...]` or `enum` when every member is a plain type or a literal. */
export const unionParser: TypeParser = {
  supports: (type) => type.isUnion(),
  parse: (type: ts.Type, path: TypePath, context: SchemaContext) => unionSchema((type as ts.UnionType).types, path, context),
};

/** Schema of a union of `members`; also used for unions rebuilt without `undefined`. */
export function unionSchema(members: readonly ts.Type[], path: TypePath, context: SchemaContext): JsonSchema {
  const schemas: JsonSchema[] = [];
  const add = (schema: JsonSchema) => {
    const parts = isOnly(schema, "anyOf") ? (schema.anyOf as JsonSchema[]) : [schema];
    for (const part of parts) if (!schemas.some((s) => JSON.stringify(s) === JSON.stringify(part))) schemas.push(part);
  };
  const booleans = members.filter((m) => m.flags & ts.TypeFlags.BooleanLiteral);
  const bothBooleans = booleans.length === 2;
  let booleanAdded = false;
  for (const member of members) {
    if (bothBooleans && booleans.includes(member)) {
      if (!booleanAdded) add({ type: "boolean" });
      booleanAdded = true;
      continue;
    }
    add(context.parse(member, path));
  }
  return collapse(schemas);
}

function collapse(schemas: JsonSchema[]): JsonSchema {
  if (schemas.length === 1) return schemas[0];
  if (schemas.every((s) => isOnly(s, "type") && typeof s.type === "string")) {
    return { type: schemas.map((s) => s.type as string) };
  }
  const literalValues = schemas.map(literalValuesOf);
  if (literalValues.every((v) => v !== undefined)) {
    const values = literalValues.flat();
    const types = [...new Set(values.map(jsonType))];
    return { type: types.length === 1 ? types[0] : types, enum: values };
  }
  return { anyOf: schemas };
}

/** The values a literal-only schema allows (`const`, `enum`, or `type: "null"`), else undefined. */
function literalValuesOf(schema: JsonSchema): unknown[] | undefined {
  const keys = Object.keys(schema).filter((k) => k !== "type");
  if (keys.length === 0 && schema.type === "null") return [null];
  if (keys.length !== 1) return undefined;
  if (keys[0] === "const") return [schema.const];
  if (keys[0] === "enum") return schema.enum as unknown[];
  return undefined;
}

function jsonType(value: unknown): string {
  return value === null ? "null" : typeof value;
}

function isOnly(schema: JsonSchema, key: string): boolean {
  const keys = Object.keys(schema);
  return keys.length === 1 && keys[0] === key;
}
