import RandExp from "randexp";
import type { JsonSchema } from "../compiler/chain-ir.js";

/** Examples of the ajv-formats formats a user is likely to declare with `@format`. */
const FORMAT_EXAMPLES: Record<string, string> = {
  "date-time": "2026-01-01T00:00:00.000Z",
  date: "2026-01-01",
  time: "12:00:00Z",
  email: "user@example.com",
  uri: "https://example.com/",
  url: "https://example.com/",
  "uri-reference": "https://example.com/",
  hostname: "example.com",
  ipv4: "192.0.2.1",
  ipv6: "2001:db8::1",
  uuid: "00000000-0000-4000-8000-000000000000",
  duration: "P1D",
  regex: "^a$",
};

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
      return exampleString(schema);
    case "number":
    case "integer":
      return exampleNumber(schema, type === "integer");
    case "boolean":
      return true;
    case "null":
      return null;
    case "array": {
      if (Array.isArray(schema.prefixItems)) return schema.prefixItems.map(next);
      const count = typeof schema.minItems === "number" ? Math.max(1, schema.minItems) : typeof schema.maxItems === "number" ? Math.min(1, schema.maxItems) : 1;
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

/** A string meeting `format`, `pattern` and the length bounds, the same one on every run. */
function exampleString(schema: JsonSchema): string {
  if (typeof schema.format === "string" && schema.format in FORMAT_EXAMPLES) return FORMAT_EXAMPLES[schema.format]!;
  if (schema.contentEncoding === "base64") return "AAAAAAAAgD8=";
  const min = typeof schema.minLength === "number" ? schema.minLength : 0;
  const max = typeof schema.maxLength === "number" ? schema.maxLength : Infinity;
  if (typeof schema.pattern === "string") {
    // randexp writes a string matching the pattern; a fixed choice function keeps the output stable, and a
    // few attempts with growing repetition counts (then padding, for an unanchored pattern) look for one
    // that also fits the length bounds.
    const matches = (text: string) => text.length >= min && text.length <= max && new RegExp(schema.pattern as string, "u").test(text);
    for (let attempt = 0; attempt < 8; attempt++) {
      const generator = new RandExp(schema.pattern);
      generator.max = Math.max(1, min) + attempt;
      generator.randInt = (from, to) => Math.min(to, from + attempt);
      const candidate = generator.gen();
      for (const padded of [candidate, candidate + "x".repeat(Math.max(0, min - candidate.length)), "x".repeat(Math.max(0, min - candidate.length)) + candidate]) {
        if (matches(padded)) return padded;
      }
    }
  }
  const base = "World".slice(0, Math.min(5, max));
  return base.length >= min ? base : base + "x".repeat(min - base.length);
}

/** A number within `minimum`/`maximum` (inclusive or exclusive) and a multiple of `multipleOf`. */
function exampleNumber(schema: JsonSchema, integer: boolean): number {
  const step = typeof schema.multipleOf === "number" ? schema.multipleOf : integer ? 1 : undefined;
  let low = typeof schema.minimum === "number" ? schema.minimum : -Infinity;
  if (typeof schema.exclusiveMinimum === "number") low = Math.max(low, schema.exclusiveMinimum + (step ?? 0.5) / 2);
  let high = typeof schema.maximum === "number" ? schema.maximum : Infinity;
  if (typeof schema.exclusiveMaximum === "number") high = Math.min(high, schema.exclusiveMaximum - (step ?? 0.5) / 2);
  let value = Number.isFinite(low) ? low : Number.isFinite(high) ? Math.min(high, 1) : 1;
  if (value < 1 && high >= 1 && low <= 1) value = 1;
  if (step !== undefined) value = Math.ceil(value / step - 1e-9) * step;
  return value;
}

function resolveRef(root: JsonSchema, ref: string): unknown {
  if (!ref.startsWith("#/")) return {};
  return ref
    .slice(2)
    .split("/")
    .reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part.replace(/~1/g, "/").replace(/~0/g, "~")], root);
}
