/**
 * Reading the JSON Schemas the compiler writes, at run time and without ajv: resolving local `$ref`s
 * and telling JSON types apart. Browser-safe (the generated client bundles it).
 */

/** A JSON Schema node as the compiler writes it (an object; `$defs` at the root). */
export type Schema = Record<string, unknown>;

/** Longest chain of `$ref` to `$ref` followed before giving up. */
const MAX_REF_HOPS = 32;

/** The node `schema` stands for once its `#/$defs/...` references are followed; undefined when unknown. */
export function resolveRef(schema: unknown, root: Schema): Schema | undefined {
  let node = schema as Schema | undefined;
  for (let hops = 0; node && typeof node.$ref === "string" && hops < MAX_REF_HOPS; hops++) {
    if (!node.$ref.startsWith("#/$defs/")) return undefined;
    const defs = root.$defs as Record<string, Schema> | undefined;
    const name = decodeURIComponent(node.$ref.slice(8));
    node = defs && Object.hasOwn(defs, name) ? defs[name] : undefined;
  }
  return node && typeof node === "object" && typeof node.$ref !== "string" ? node : undefined;
}

/** Whether `value` is of JSON Schema type `type`. */
export function hasType(type: unknown, value: unknown): boolean {
  if (type === "integer") return Number.isInteger(value);
  if (type === "array") return Array.isArray(value);
  if (type === "null") return value === null;
  if (type === "object") return typeof value === "object" && value !== null && !Array.isArray(value);
  return typeof value === type;
}

/** The members of an `anyOf`/`oneOf` node, or undefined for any other node. */
export function unionOf(schema: Schema): Schema[] | undefined {
  const branches = schema.anyOf ?? schema.oneOf;
  return Array.isArray(branches) ? (branches as Schema[]) : undefined;
}

/** `key` as one segment of a JSON Pointer. */
export function escapePointer(key: string): string {
  return key.replace(/~/g, "~0").replace(/\//g, "~1");
}
