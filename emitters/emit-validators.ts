import { Ajv2020 } from "ajv/dist/2020.js";
import standaloneCode from "ajv/dist/standalone/index.js";
import addFormats from "ajv-formats";
import type { ChainIR, ChainletIR, JsonSchema } from "../compiler/chain-ir.js";
import { outputWrapperSchema, tschainsTypeKeyword, toValidationSchema } from "../runtime-node/wire-keyword.js";
import { findChainlet } from "./chainlet-meta.js";
import { EmitError } from "./emit-error.js";

/**
 * Generates the ES module of a Chainlet's precompiled validators (ajv standalone code), so a served
 * Chainlet never compiles a schema at start-up. Exports: `input` (the request body), `output` (the
 * `{ value }` wrapper of the return value or of one stream item), and `dependencies`, mapping each
 * dependency's name to `{ output }`, which its stub uses to revive and check responses. The code
 * still `require`s ajv's small runtime helpers; the bundler inlines them.
 */
export function emitValidatorsModule(ir: ChainIR, chainlet: ChainletIR): string {
  const ajv = new Ajv2020({
    allErrors: true,
    strict: false,
    code: { source: true, esm: true, lines: false, formats: undefined },
  });
  addFormats.default(ajv);
  ajv.addKeyword(tschainsTypeKeyword);
  const exportsById: Record<string, string> = {};
  const add = (exportName: string, schema: JsonSchema): void => {
    const id = `tschains:${chainlet.name}:${exportName}`;
    try {
      ajv.addSchema({ ...schema, $id: id });
    } catch (error) {
      throw new EmitError("CH1410", `Chainlet "${chainlet.name}": the ${exportName} schema is not valid JSON Schema: ${(error as Error).message}`, { cause: error });
    }
    exportsById[exportName] = id;
  };
  add("input", toValidationSchema(chainlet.schemas.input));
  add("output", toValidationSchema(outputWrapperSchema(chainlet.schemas.output)));
  const dependencyExports: string[] = [];
  chainlet.dependencies.forEach((name, index) => {
    const exportName = `dependency${index}`;
    add(exportName, toValidationSchema(outputWrapperSchema(findChainlet(ir, name).schemas.output)));
    dependencyExports.push(`${JSON.stringify(name)}: { output: ${exportName} }`);
  });
  let code: string;
  try {
    code = standaloneCode.default(ajv, exportsById);
  } catch (error) {
    throw new EmitError("CH1411", `Chainlet "${chainlet.name}": could not generate validators: ${(error as Error).message}`, { cause: error });
  }
  return `${code}\nexport const dependencies = { ${dependencyExports.join(", ")} };\n`;
}
