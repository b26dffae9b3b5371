import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { fileURLToPath } from "node:url";
import { Node, Project, type Type } from "ts-morph";
import type { JsonSchema } from "../../compiler/chain-ir.js";
import { generateChainletSchemas, type GeneratedSchemas, type SchemaRequest } from "../../compiler/schema/generate-schemas.js";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
export const fixturePath = (name: string) => `${repoRoot}fixtures/types/${name}`;

/** One ts-morph Project per test file, loaded with the repo's tsconfig so `import ... from "tschains"` resolves. */
export function loadProject(...fixtures: string[]): Project {
  const project = new Project({ tsConfigFilePath: `${repoRoot}tsconfig.json`, skipAddingFilesFromTsConfig: true });
  for (const name of fixtures) project.addSourceFileAtPath(fixturePath(name));
  project.resolveSourceFileDependencies();
  return project;
}

/**
 * The request the analysis would build for `target`: an exported function of that name, or the `runRemote`
 * of an exported class of that name. Promise / AsyncIterable returns are unwrapped as the analysis does.
 */
export function requestFor(project: Project, fixture: string, target: string): SchemaRequest {
  const file = project.getSourceFileOrThrow(fixturePath(fixture));
  const fn = file.getFunction(target) ?? file.getClassOrThrow(target).getMethodOrThrow("runRemote");
  const returnNode = fn.getReturnTypeNodeOrThrow();
  return {
    parameters: fn.getParameters().map((p) => ({
      name: p.getName(),
      type: p.getType(),
      node: p,
      optional: p.isOptional() || p.hasInitializer(),
    })),
    output: { type: unwrap(fn.getReturnType()), node: returnNode },
  };
}

function unwrap(type: Type): Type {
  const name = type.getSymbol()?.getName();
  if (name === "Promise" || name === "AsyncGenerator" || name === "AsyncIterable") return type.getTypeArguments()[0];
  return type;
}

export function schemasFor(project: Project, fixture: string, target: string): GeneratedSchemas {
  return generateChainletSchemas(requestFor(project, fixture, target));
}

/**
 * Strict ajv 2020 with formats; the wire marker is only an annotation here. `strictTuples` is off because a
 * tuple with optional elements (`[string, number?]`) has `minItems` below its `prefixItems` length on purpose.
 */
export function newAjv(): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, strictTuples: false, allowUnionTypes: true, allErrors: true });
  addFormats.default(ajv);
  ajv.addKeyword("x-tschains-type");
  return ajv;
}

/** A validator for one parameter of an input schema (its `$defs` kept), or for the whole schema. */
export function validatorFor(schema: JsonSchema, parameter?: string) {
  const ajv = newAjv();
  if (parameter === undefined) return ajv.compile(schema);
  const properties = schema.properties as Record<string, JsonSchema>;
  const single: JsonSchema = { $schema: schema.$schema, ...properties[parameter], ...(schema.$defs ? { $defs: schema.$defs } : {}) };
  return ajv.compile(single);
}

export { Node };
