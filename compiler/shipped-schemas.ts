import { readFileSync } from "node:fs";
import type { JsonSchema } from "./chain-ir.js";

/**
 * The JSON Schemas generated from the types (`npm run gen:schemas`, see `generate-config-schemas.ts`) and
 * shipped in the package's `compiler/` folder: each one's file name and the type it is generated from.
 */
export const SHIPPED_SCHEMAS = {
  /** `chain.json`, from `ChainIR` (compiler/chain-ir.ts). */
  chainIr: { file: "chain-ir.schema.json", source: "compiler/chain-ir.ts", type: "ChainIR", title: "tschains chain IR (chain.json)" },
  /** A Chainlet's `static remoteConfig` literal, from `RemoteConfig` (runtime-node/authoring/remote-config.ts). */
  remoteConfig: {
    file: "remote-config.schema.json",
    source: "runtime-node/authoring/remote-config.ts",
    type: "RemoteConfig",
    title: "tschains remoteConfig",
  },
} as const;

export type ShippedSchema = (typeof SHIPPED_SCHEMAS)[keyof typeof SHIPPED_SCHEMAS];

/** The URI that names a shipped schema (its `$id`). */
export function shippedSchemaId(schema: ShippedSchema): string {
  return `https://tschains.dev/schemas/${schema.file}`;
}

/** A shipped schema, read from next to this module (compiler/ in the source tree and the package). */
export function loadShippedSchema(schema: ShippedSchema): JsonSchema {
  // From lib/compiler/ the schemas are two levels up in the package's compiler/ folder.
  for (const candidate of [`./${schema.file}`, `../../compiler/${schema.file}`]) {
    try {
      return JSON.parse(readFileSync(new URL(candidate, import.meta.url), "utf8")) as JsonSchema;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  throw new Error(`compiler/${schema.file} is missing from the tschains installation`);
}
