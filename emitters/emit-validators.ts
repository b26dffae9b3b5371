import { diagnosticMessage } from "../compiler/diagnostic-messages.js";
import { Ajv2020 } from "ajv/dist/2020.js";
import standaloneCode from "ajv/dist/standalone/index.js";
import addFormats from "ajv-formats";
import type { ChainIR, ChainletIR, JsonSchema } from "../compiler/chain-ir.js";
import { outputWrapperSchema, tschainsTypeKeyword, toValidationSchema } from "./wire-keyword.js";
import { findChainlet } from "./chainlet-meta.js";
import { EmitError } from "./emit-error.js";
import { tolerantSchema } from "./tolerant-schema.js";

/** What a Chainlet's validators are generated from: its name, its dependencies' names, its schemas. */
export type ValidatorSource = Pick<ChainletIR, "name" | "dependencies" | "schemas">;

/** Generates the validators module of each Chainlet of one chain. */
export interface ValidatorsEmitter {
  /** The ES module of `chainlet`'s precompiled validators (see {@link emitValidatorsModule}). */
  moduleFor(chainlet: ValidatorSource): string;
}

/**
 * Compiles every schema of the chain once, with one ajv instance: a dependency's output validator is
 * the very function that Chainlet validates its own output with, so each output schema is compiled a
 * single time and its generated code reused in every caller's module. All schemas are compiled up
 * front in the IR's order, which fixes the generated function names (ajv numbers them per instance),
 * so each module's text is the same whichever order the modules are asked for in.
 */
export function createValidatorsEmitter(chainlets: readonly ValidatorSource[]): ValidatorsEmitter {
  const ajv = new Ajv2020({
    allErrors: true,
    strict: false,
    // Own properties only: an optional `constructor` or `toString` property is absent from `{}`, not
    // Object.prototype's method (which would fail its type check).
    ownProperties: true,
    code: { source: true, esm: true, lines: false, formats: undefined },
  });
  addFormats.default(ajv);
  ajv.addKeyword(tschainsTypeKeyword);
  const schemaId = (chainlet: ValidatorSource, kind: SchemaKind) => `tschains:${chainlet.name}:${kind}`;
  const compile = (chainlet: ValidatorSource, kind: SchemaKind, schema: JsonSchema): void => {
    const id = schemaId(chainlet, kind);
    try {
      ajv.addSchema({ ...schema, $id: id });
      ajv.getSchema(id);
    } catch (error) {
      throw new EmitError(diagnosticMessage("CH1410", "invalidSchema", chainlet.name, kind, (error as Error).message), { cause: error });
    }
  };
  for (const chainlet of chainlets) {
    const schemas = readSchemas(chainlet);
    for (const kind of SCHEMA_KINDS) compile(chainlet, kind, toValidationSchema(schemas[kind]));
  }
  return {
    moduleFor(chainlet) {
      const exportsById: Record<string, string> = {
        input: schemaId(chainlet, "input"),
        output: schemaId(chainlet, "output"),
        inputTolerant: schemaId(chainlet, "inputTolerant"),
      };
      const readers = [`export const tolerantInput = { validate: inputTolerant, schema: ${JSON.stringify(readSchemas(chainlet).input)} };`];
      const dependencyExports: string[] = [];
      chainlet.dependencies.forEach((name, index) => {
        const exportName = `dependency${index}`;
        const dependency = findChainlet({ chainlets }, name);
        exportsById[exportName] = schemaId(dependency, "output");
        exportsById[`${exportName}Tolerant`] = schemaId(dependency, "outputTolerant");
        readers.push(`const ${exportName}Reader = { validate: ${exportName}Tolerant, schema: ${JSON.stringify(readSchemas(dependency).output)} };`);
        dependencyExports.push(`${JSON.stringify(name)}: { output: ${exportName}, tolerantOutput: ${exportName}Reader }`);
      });
      let code: string;
      try {
        code = standaloneCode.default(ajv, exportsById);
      } catch (error) {
        throw new EmitError(diagnosticMessage("CH1411", "standaloneFailed", chainlet.name, (error as Error).message), { cause: error });
      }
      return `${code}\n${readers.join("\n")}\nexport const dependencies = { ${dependencyExports.join(", ")} };\n`;
    },
  };
}

const SCHEMA_KINDS = ["input", "output", "inputTolerant", "outputTolerant"] as const;
type SchemaKind = (typeof SCHEMA_KINDS)[number];

/**
 * The schemas a Chainlet's values are checked against, as its validators see them (outputs in their
 * `{ value }` wrapper), and their tolerant forms: the same with every object open, for values from
 * other Chainlets (see "Compatibility across versions" in the README).
 */
function readSchemas(chainlet: ValidatorSource): Record<SchemaKind, JsonSchema> {
  const output = outputWrapperSchema(chainlet.schemas.output);
  const input = chainlet.schemas.input;
  return { input, output, inputTolerant: tolerantSchema(input), outputTolerant: tolerantSchema(output) };
}

/**
 * Generates the ES module of a Chainlet's precompiled validators (ajv standalone code), so a served
 * Chainlet never compiles a schema at start-up. Exports: `input` (the request body), `output` (the
 * `{ value }` wrapper of the return value or of one stream item), `tolerantInput` (the reader of
 * requests from other Chainlets) and `dependencies`, mapping each dependency's name to `{ output,
 * tolerantOutput }`, which its stub uses to revive and check responses. The code
 * still `require`s ajv's small runtime helpers; the bundler inlines them. To emit the modules of
 * several Chainlets of one chain, use {@link createValidatorsEmitter}, which compiles each schema once.
 */
export function emitValidatorsModule(ir: ChainIR, chainlet: ChainletIR): string {
  return createValidatorsEmitter(ir.chainlets).moduleFor(chainlet);
}
