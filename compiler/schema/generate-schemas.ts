import { ts, type Node, type Type } from "ts-morph";
import type { JsonSchema } from "../chain-ir.js";
import type { Diagnostic } from "../diagnostics.js";
import { applyDeclarationDocs, parameterDocs } from "./jsdoc-tags.js";
import { declaredType, includesUndefined, parseWithoutUndefined } from "./optional-types.js";
import { PROTO_MESSAGE } from "./parsers/object-parser.js";
import { unionSchema } from "./parsers/union-parser.js";
import { SchemaCode } from "./schema-codes.js";
import { SchemaContext } from "./schema-context.js";
import { TYPE_PARSERS } from "./type-parsers.js";
import { TypePath } from "./type-path.js";

export { SchemaCode } from "./schema-codes.js";

/** The JSON Schema dialect of every emitted schema. */
export const JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema";

export interface SchemaRequest {
  /** runRemote parameters in order; `node` is the ParameterDeclaration (used for diagnostics and JSDoc). */
  parameters: { name: string; type: Type; node: Node; optional: boolean }[];
  /** The already-unwrapped output: T of Promise<T>, or the item type T of AsyncGenerator<T>/AsyncIterable<T>;
      `node` is the return type annotation node. */
  output: { type: Type; node: Node };
}

export interface GeneratedSchemas {
  /**
   * `{ $schema, type: "object", properties: { <param>: ... }, required: [...], additionalProperties: false, $defs? }`.
   * A parameter is required unless it is optional or its type includes `undefined`.
   */
  input: JsonSchema;
  /** `{ $schema, ...schema of the output, $defs? }`; `void`/`undefined` become `{ type: "null" }`. */
  output: JsonSchema;
  /** CH1100–CH1199 errors, one per problem, located at the parameter or the return type annotation. */
  diagnostics: Diagnostic[];
}

/**
 * Converts the types of a `runRemote` signature into the input and output JSON Schemas (2020-12). Each schema
 * is self-contained (its own `$defs`, sorted by name) and the same program always yields the same JSON.
 */
export function generateChainletSchemas(request: SchemaRequest): GeneratedSchemas {
  const anchor = request.parameters[0]?.node ?? request.output.node;
  const program = anchor.getProject().getProgram().compilerObject;
  const checker = program.getTypeChecker();

  const inputContext = new SchemaContext(checker, program, TYPE_PARSERS, anchor);
  const properties: JsonSchema = {};
  const required: string[] = [];
  for (const parameter of request.parameters) {
    inputContext.location = parameter.node;
    const path = TypePath.root(parameter.name);
    const type = parameter.type.compilerType;
    const declaration = parameter.node.compilerNode;
    if (parameter.name === "__proto__") {
      inputContext.reject(SchemaCode.ProtoName, path, PROTO_MESSAGE, type);
      continue;
    }
    const schema = parseWithoutUndefined(type, declaredType(declaration, checker), path, inputContext);
    properties[parameter.name] = applyDeclarationDocs(schema, declaration, parameterDocs(declaration), path, inputContext);
    if (!parameter.optional && !includesUndefined(type)) required.push(parameter.name);
  }
  const input: JsonSchema = {
    $schema: JSON_SCHEMA_DIALECT,
    type: "object",
    properties,
    required,
    additionalProperties: false,
    ...defsOf(inputContext),
  };

  const outputContext = new SchemaContext(checker, program, TYPE_PARSERS, request.output.node);
  const outputSchema = returnSchema(request.output.type.compilerType, outputContext);
  const output: JsonSchema = { $schema: JSON_SCHEMA_DIALECT, ...outputSchema, ...defsOf(outputContext) };

  return { input, output, diagnostics: [...inputContext.diagnostics, ...outputContext.diagnostics] };
}

/** A returned `undefined` (a `void` method, or `T | undefined`) reaches the caller as JSON `null`. */
function returnSchema(type: ts.Type, context: SchemaContext): JsonSchema {
  const path = TypePath.root("return");
  if (!includesUndefined(type)) return context.parse(type, path);
  const members = (type.isUnion() ? type.types : [type]).filter((t) => !(t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)));
  if (members.length === 0) return { type: "null" };
  return unionSchema([...members, context.checker.getNullType()], path, context);
}

function defsOf(context: SchemaContext): JsonSchema {
  return context.defs.size > 0 ? { $defs: context.defs.sorted() } : {};
}
