import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ChainIR } from "./chain-ir.js";

let validate: ReturnType<Ajv2020["compile"]> | undefined;

/** Problems of `ir` against `chain-ir.schema.json` (empty when valid). A non-empty result is a compiler bug. */
export function validateIr(ir: ChainIR): string[] {
  validate ??= new Ajv2020({ allErrors: true, strict: true }).compile(loadIrSchema());
  if (validate(ir)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || "/"} ${error.message ?? "is invalid"}`);
}

/** The JSON Schema of `chain.json`, shipped next to this module (compiler/ in the source tree and the package). */
export function loadIrSchema(): Record<string, unknown> {
  // From lib/compiler/ the schema is two levels up in the package's compiler/ folder.
  for (const candidate of ["./chain-ir.schema.json", "../../compiler/chain-ir.schema.json"]) {
    try {
      return JSON.parse(readFileSync(new URL(candidate, import.meta.url), "utf8")) as Record<string, unknown>;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  throw new Error("compiler/chain-ir.schema.json is missing from the tschains installation");
}
