import Ajv2020 from "ajv/dist/2020.js";
import standaloneCode from "ajv/dist/standalone/index.js";
import addFormats from "ajv-formats";
import { createRequire } from "node:module";
import { outputWrapperSchema, toValidationSchema, tschainsTypeKeyword } from "../../emitters/wire-keyword.js";
import type { ChainletValidators, ValidateFunction } from "../../runtime-node/server/chainlet-meta.js";

type Schema = Record<string, unknown>;

function newAjv(code?: { source: boolean }) {
  const ajv = new Ajv2020.default({ allErrors: true, strict: false, keywords: [tschainsTypeKeyword], code });
  addFormats.default(ajv);
  return ajv;
}

/** Compiles validators in-process, the way the emitters do at build time (minus writing the code out). */
export function compileValidators(input: Schema, output: Schema, dependencies: Record<string, Schema> = {}): ChainletValidators {
  const ajv = newAjv();
  const out = (schema: Schema) => ajv.compile(outputWrapperSchema(toValidationSchema(schema))) as unknown as ValidateFunction;
  return {
    input: ajv.compile(toValidationSchema(input)) as unknown as ValidateFunction,
    output: out(output),
    dependencies: Object.fromEntries(Object.entries(dependencies).map(([name, schema]) => [name, { output: out(schema) }])),
  };
}

/** Compiles one schema through ajv standalone and loads the emitted CommonJS code, as a bundle would. */
export function compileStandalone(schema: Schema): ValidateFunction {
  const ajv = newAjv({ source: true });
  const validate = ajv.compile(toValidationSchema(schema));
  const code = standaloneCode.default(ajv, validate);
  const module = { exports: {} as unknown };
  const require = createRequire(import.meta.url);
  new Function("module", "exports", "require", code)(module, module.exports, require);
  return module.exports as ValidateFunction;
}
