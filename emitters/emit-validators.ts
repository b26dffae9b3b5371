import { diagnosticMessage } from "../compiler/diagnostic-messages.js";
import { Ajv2020 } from "ajv/dist/2020.js";
import standaloneCode from "ajv/dist/standalone/index.js";
import addFormats from "ajv-formats";
import type { ChainIR, ChainletIR, JsonSchema } from "../compiler/chain-ir.js";
import { outputWrapperSchema, tschainsTypeKeyword, toValidationSchema } from "./wire-keyword.js";
import { findChainlet } from "./chainlet-meta.js";
import { EmitError } from "./emit-error.js";

/** Generates the validators module of each Chainlet of one chain. */
export interface ValidatorsEmitter {
  /** The ES module of `chainlet`'s precompiled validators (see {@link emitValidatorsModule}). */
  moduleFor(chainlet: ChainletIR): string;
}

/**
 * Compiles every schema of the chain once, with one ajv instance: a dependency's output validator is
 * the very function that Chainlet validates its own output with, so each output schema is compiled a
 * single time and its generated code reused in every caller's module. All schemas are compiled up
 * front in the IR's order, which fixes the generated function names (ajv numbers them per instance),
 * so each module's text is the same whichever order the modules are asked for in.
 */
export function createValidatorsEmitter(ir: ChainIR): ValidatorsEmitter {
  const ajv = new Ajv2020({
    allErrors: true,
    strict: false,
    code: { source: true, esm: true, lines: false, formats: undefined },
  });
  addFormats.default(ajv);
  ajv.addKeyword(tschainsTypeKeyword);
  const schemaId = (chainlet: ChainletIR, kind: "input" | "output") => `tschains:${chainlet.name}:${kind}`;
  const compile = (chainlet: ChainletIR, kind: "input" | "output", schema: JsonSchema): void => {
    const id = schemaId(chainlet, kind);
    try {
      ajv.addSchema({ ...schema, $id: id });
      ajv.getSchema(id);
    } catch (error) {
      throw new EmitError(diagnosticMessage("CH1410", "invalidSchema", chainlet.name, kind, (error as Error).message), { cause: error });
    }
  };
  for (const chainlet of ir.chainlets) {
    compile(chainlet, "input", toValidationSchema(chainlet.schemas.input));
    compile(chainlet, "output", toValidationSchema(outputWrapperSchema(chainlet.schemas.output)));
  }
  return {
    moduleFor(chainlet) {
      const exportsById: Record<string, string> = { input: schemaId(chainlet, "input"), output: schemaId(chainlet, "output") };
      const dependencyExports: string[] = [];
      chainlet.dependencies.forEach((name, index) => {
        const exportName = `dependency${index}`;
        exportsById[exportName] = schemaId(findChainlet(ir, name), "output");
        dependencyExports.push(`${JSON.stringify(name)}: { output: ${exportName} }`);
      });
      let code: string;
      try {
        code = standaloneCode.default(ajv, exportsById);
      } catch (error) {
        throw new EmitError(diagnosticMessage("CH1411", "standaloneFailed", chainlet.name, (error as Error).message), { cause: error });
      }
      return `${code}\nexport const dependencies = { ${dependencyExports.join(", ")} };\n`;
    },
  };
}

/**
 * Generates the ES module of a Chainlet's precompiled validators (ajv standalone code), so a served
 * Chainlet never compiles a schema at start-up. Exports: `input` (the request body), `output` (the
 * `{ value }` wrapper of the return value or of one stream item), and `dependencies`, mapping each
 * dependency's name to `{ output }`, which its stub uses to revive and check responses. The code
 * still `require`s ajv's small runtime helpers; the bundler inlines them. To emit the modules of
 * several Chainlets of one chain, use {@link createValidatorsEmitter}, which compiles each schema once.
 */
export function emitValidatorsModule(ir: ChainIR, chainlet: ChainletIR): string {
  return createValidatorsEmitter(ir).moduleFor(chainlet);
}
