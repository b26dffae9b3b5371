import type { JsonSchema } from "../compiler/chain-ir.js";

/**
 * A small valid value for `schema`, used to print a ready-to-paste `curl` for a served chain.
 * Prefers the schema's own `default`/`examples`, then the first choice of enums and unions.
 */
export function exampleValue(schema: JsonSchema, root: JsonSchema = schema, depth = 0): unknown {
  if (depth > 8) return null;
  const next = (s: unknown) => exampleValue((s ?? {}) as JsonSchema, root, depth + 1);
  if ("default" in schema) return schema.default;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if (typeof schema.$ref === "string") return next(resolveRef(root, schema.$ref));
  for (const key of ["oneOf", "anyOf"] as const) {
    const options = schema[key];
    if (Array.isArray(options) && options.length > 0) return next(options[0]);
  }
  if (Array.isArray(schema.allOf)) {
    return Object.assign({}, ...schema.allOf.map((s) => next(s) as object));
  }
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "string":
      if (schema.format === "date-time") return "2026-01-01T00:00:00.000Z";
      if (schema.contentEncoding === "base64") return "AAAAAAAAgD8=";
      return typeof schema.minLength === "number" && schema.minLength > 5 ? "x".repeat(schema.minLength) : "World";
    case "number":
    case "integer":
      return typeof schema.minimum === "number" ? schema.minimum : 1;
    case "boolean":
      return true;
    case "null":
      return null;
    case "array": {
      if (Array.isArray(schema.prefixItems)) return schema.prefixItems.map(next);
      const count = typeof schema.minItems === "number" ? Math.max(1, schema.minItems) : 1;
      return Array.from({ length: count }, () => next(schema.items));
    }
    case "object": {
      const properties = (schema.properties ?? {}) as Record<string, unknown>;
      const required = new Set((schema.required ?? []) as string[]);
      const value: Record<string, unknown> = {};
      for (const [name, propertySchema] of Object.entries(properties)) {
        if (required.has(name)) value[name] = next(propertySchema);
      }
      return value;
    }
    default:
      return null;
  }
}

function resolveRef(root: JsonSchema, ref: string): unknown {
  if (!ref.startsWith("#/")) return {};
  return ref
    .slice(2)
    .split("/")
    .reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part.replace(/~1/g, "/").replace(/~0/g, "~")], root);
}
