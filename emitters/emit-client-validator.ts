import { Ajv2020 } from "ajv/dist/2020.js";
import standaloneCode from "ajv/dist/standalone/index.js";
import addFormats from "ajv-formats";
import { diagnosticMessage } from "../compiler/diagnostic-messages.js";
import type { ChainletIR } from "../compiler/chain-ir.js";
import { EmitError } from "./emit-error.js";
import { toValidationSchema, tschainsClientTypeKeyword } from "./wire-keyword.js";

/**
 * The CommonJS code (`module.exports = validate`) of a client package's output validator, ajv
 * standalone: the generated client checks each answer and stream item with it, as the served stubs
 * check theirs. Compiled with the checking-only `tschainsType` keyword, so it needs nothing of Node.
 */
export function clientValidatorCode(chainlet: Pick<ChainletIR, "name" | "schemas">): string {
  // No check of the schema against the JSON Schema meta-schema: compiling the meta-schema was most of
  // this function's time, and the build's served validators (emit-validators.ts) already check the same schemas.
  const ajv = new Ajv2020({
    allErrors: true,
    strict: false,
    ownProperties: true,
    validateSchema: false,
    code: { source: true, lines: false, formats: undefined },
  });
  addFormats.default(ajv);
  ajv.addKeyword(tschainsClientTypeKeyword);
  try {
    return standaloneCode.default(ajv, ajv.compile(toValidationSchema(chainlet.schemas.output)));
  } catch (error) {
    throw new EmitError(diagnosticMessage("CH1411", "standaloneFailed", chainlet.name, (error as Error).message), { cause: error });
  }
}
