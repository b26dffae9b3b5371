/**
 * The schema of the tolerant wire's validators: the same schema with every closed object opened
 * (`additionalProperties: false` removed), so a value passes exactly when it matches up to properties
 * the schema does not declare. Those are then dropped (runtime-node/wire/drop-unknown.ts). `chains diff`
 * models the same reader (`dropUnknownProperties` in diff/schema-subset.ts).
 */

/** Keywords whose value is one subschema. */
const SCHEMA_KEYWORDS = new Set(["items", "additionalItems", "contains", "not", "if", "then", "else", "propertyNames", "unevaluatedItems", "unevaluatedProperties", "additionalProperties"]);
/** Keywords whose value is an array of subschemas. */
const ARRAY_KEYWORDS = new Set(["anyOf", "oneOf", "allOf", "prefixItems"]);
/** Keywords whose value maps names to subschemas. */
const MAP_KEYWORDS = new Set(["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"]);

/** `schema` with every `additionalProperties: false` removed; the input is not changed. */
export function tolerantSchema<S>(schema: S): S {
  return open(schema) as S;
}

function open(node: unknown): unknown {
  if (node === null || typeof node !== "object" || Array.isArray(node)) return node;
  // Built from entries (own data properties), so a key such as `__proto__` stays a key.
  const entries: [string, unknown][] = [];
  for (const [keyword, value] of Object.entries(node as Record<string, unknown>)) {
    if (keyword === "additionalProperties" && value === false) continue;
    entries.push([keyword, openKeyword(keyword, value)]);
  }
  return Object.fromEntries(entries);
}

function openKeyword(keyword: string, value: unknown): unknown {
  if (SCHEMA_KEYWORDS.has(keyword)) return open(value);
  if (ARRAY_KEYWORDS.has(keyword) && Array.isArray(value)) return value.map(open);
  if (MAP_KEYWORDS.has(keyword) && value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, open(sub)]));
  return value;
}
