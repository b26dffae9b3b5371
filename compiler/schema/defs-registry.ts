import type { ts } from "ts-morph";
import type { JsonSchema } from "../chain-ir.js";

/**
 * The `$defs` of one schema file: every named type gets one entry, referenced by `$ref`. A name is
 * reserved before its body is built so recursive types refer to themselves instead of looping.
 */
export class DefsRegistry {
  private readonly namesByType = new Map<ts.Type, string>();
  private readonly bodies = new Map<string, JsonSchema>();
  private readonly taken = new Set<string>();

  /** `$ref` to the definition of `type`, building it with `build` the first time. */
  reference(type: ts.Type, preferredName: string, build: () => JsonSchema): JsonSchema {
    let name = this.namesByType.get(type);
    if (name === undefined) {
      name = this.uniqueName(preferredName);
      this.namesByType.set(type, name);
      this.taken.add(name);
      this.bodies.set(name, build());
    }
    return { $ref: `#/$defs/${name}` };
  }

  /** All definitions, sorted by name so output does not depend on visiting order. */
  sorted(): JsonSchema {
    const out: JsonSchema = {};
    for (const name of [...this.bodies.keys()].sort()) out[name] = this.bodies.get(name);
    return out;
  }

  get size(): number {
    return this.bodies.size;
  }

  private uniqueName(preferred: string): string {
    if (!this.taken.has(preferred)) return preferred;
    let n = 2;
    while (this.taken.has(`${preferred}_${n}`)) n++;
    return `${preferred}_${n}`;
  }
}
