import Ajv2020 from "ajv/dist/2020.js";
import standaloneCode from "ajv/dist/standalone/index.js";
import addFormats from "ajv-formats";
import { createRequire } from "node:module";
import { outputWrapperSchema, toValidationSchema, tschainsTypeKeyword } from "../../emitters/wire-keyword.js";
import { tolerantSchema } from "../../emitters/tolerant-schema.js";
import type { ChainletValidators, TolerantReader, ValidateFunction } from "../../runtime-node/server/chainlet-meta.js";

type Schema = Record<string, unknown>;

function newAjv(code?: { source: boolean }) {
  const ajv = new Ajv2020.default({ allErrors: true, strict: false, ownProperties: true, keywords: [tschainsTypeKeyword], code });
  addFormats.default(ajv);
  return ajv;
}

/** Compiles validators in-process, the way the emitters do at build time (minus writing the code out). */
export function compileValidators(input: Schema, output: Schema, dependencies: Record<string, Schema> = {}): ChainletValidators {
  const ajv = newAjv();
  const compile = (schema: Schema) => ajv.compile(toValidationSchema(schema)) as unknown as ValidateFunction;
  const out = (schema: Schema) => compile(outputWrapperSchema(schema));
  const reader = (schema: Schema): TolerantReader => ({ validate: compile(tolerantSchema(schema)), schema });
  return {
    input: compile(input),
    output: out(output),
    tolerantInput: reader(input),
    dependencies: Object.fromEntries(
      Object.entries(dependencies).map(([name, schema]) => [name, { output: out(schema), tolerantOutput: reader(outputWrapperSchema(schema)) }]),
    ),
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
