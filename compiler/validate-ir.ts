import { Ajv2020 } from "ajv/dist/2020.js";
import type { ChainIR } from "./chain-ir.js";
import { loadShippedSchema, SHIPPED_SCHEMAS } from "./shipped-schemas.js";

let validate: ReturnType<Ajv2020["compile"]> | undefined;

/** Problems of `ir` against `chain-ir.schema.json` (empty when valid). A non-empty result is a compiler bug. */
export function validateIr(ir: ChainIR): string[] {
  validate ??= new Ajv2020({ allErrors: true, strict: true }).compile(loadShippedSchema(SHIPPED_SCHEMAS.chainIr));
  if (validate(ir)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || "/"} ${error.message ?? "is invalid"}`);
}
