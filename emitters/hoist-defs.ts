import { isDeepStrictEqual } from "node:util";
import type { JsonSchema } from "../compiler/chain-ir.js";

/**
 * Collects the `$defs` of several self-contained schemas into one shared table (OpenAPI's
 * `components/schemas`, a client's named declarations) and rewrites each schema's `#/$defs/X`
 * references to `<prefix>X'`. Two schemas defining the same name differently keep both: the later one
 * is renamed `X2`, `X3`, ... so no definition silently replaces another.
 */
export class DefsTable {
  readonly defs: Record<string, JsonSchema> = {};

  constructor(private readonly refPrefix: string) {}

  /** Adds `schema`'s `$defs` to the table; returns the schema without `$schema`/`$defs`, references rewritten. */
  add(schema: JsonSchema): JsonSchema {
    const { $schema: _dialect, $defs, ...rest } = schema;
    const renames = new Map<string, string>();
    const local = ($defs ?? {}) as Record<string, JsonSchema>;
    for (const name of Object.keys(local)) {
      let candidate = name;
      for (let n = 2; candidate in this.defs && !this.sameAfterRenames(candidate, local[name]!, local); n++) candidate = `${name}${n}`;
      renames.set(name, candidate);
    }
    for (const [name, definition] of Object.entries(local)) this.defs[renames.get(name)!] = this.rewrite(definition, renames) as JsonSchema;
    return this.rewrite(rest, renames) as JsonSchema;
  }

  private sameAfterRenames(existing: string, definition: JsonSchema, local: Record<string, JsonSchema>): boolean {
    const identity = new Map(Object.keys(local).map((name) => [name, name]));
    return isDeepStrictEqual(this.defs[existing], this.rewrite(definition, identity));
  }

  private rewrite(node: unknown, renames: Map<string, string>): unknown {
    if (Array.isArray(node)) return node.map((item) => this.rewrite(item, renames));
    if (node === null || typeof node !== "object") return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      if (key === "$ref" && typeof value === "string" && value.startsWith("#/$defs/")) {
        const name = decodeURIComponent(value.slice("#/$defs/".length).split("/")[0]!);
        const rest = value.slice("#/$defs/".length + encodeURIComponent(name).length);
        out[key] = `${this.refPrefix}${encodeURIComponent(renames.get(name) ?? name)}${rest}`;
      } else {
        out[key] = this.rewrite(value, renames);
      }
    }
    return out;
  }
}
