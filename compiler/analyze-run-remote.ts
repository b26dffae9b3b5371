import { Node, type ClassDeclaration, type MethodDeclaration, type Type } from "ts-morph";
import type { RunRemoteIR } from "./chain-ir.js";
import type { Diagnostic } from "./diagnostics.js";
import { nodeDiagnostic } from "./node-diagnostic.js";
import type { SchemaRequest } from "./schema/generate-schemas.js";

const STREAM_TYPES = new Set(["AsyncGenerator", "AsyncIterable", "AsyncIterableIterator"]);

export interface RunRemoteAnalysis {
  runRemote: RunRemoteIR;
  /** What the schema generator needs; null when the signature itself is already wrong. */
  schemaRequest: SchemaRequest | null;
  diagnostics: Diagnostic[];
}

/**
 * Reads the signature of `runRemote`: named parameters with explicit types (the wire schema is made
 * from what the author wrote, never from inference), an explicit return type, sync or async, and whether
 * it streams (an async generator, or a declared `AsyncIterable<T>` / `AsyncGenerator<T>` return).
 */
export function analyzeRunRemote(cls: ClassDeclaration): RunRemoteAnalysis {
  const diagnostics: Diagnostic[] = [];
  const empty: RunRemoteIR = { parameters: [], async: false, streaming: false };
  const className = cls.getName() ?? "default";
  const nameNode = cls.getNameNode() ?? cls;

  const misplaced = cls.getStaticMember("runRemote") ?? cls.getInstanceProperty("runRemote");
  if (misplaced && !Node.isMethodDeclaration(misplaced)) {
    diagnostics.push(
      nodeDiagnostic(misplaced, "CH1004", `${className}.runRemote must be a public instance method, e.g. \`async runRemote(x: string): Promise<string> { ... }\`.`),
    );
    return { runRemote: empty, schemaRequest: null, diagnostics };
  }
  if (misplaced && Node.isMethodDeclaration(misplaced) && misplaced.isStatic()) {
    diagnostics.push(nodeDiagnostic(misplaced.getNameNode(), "CH1004", `${className}.runRemote must be an instance method, not static.`));
    return { runRemote: empty, schemaRequest: null, diagnostics };
  }

  const method = findRunRemote(cls);
  if (!method) {
    diagnostics.push(
      nodeDiagnostic(nameNode, "CH1003", `Chainlet ${className} has no runRemote method; every Chainlet defines exactly one public \`runRemote(...)\`.`),
    );
    return { runRemote: empty, schemaRequest: null, diagnostics };
  }
  if (method.getScope() !== "public") {
    diagnostics.push(nodeDiagnostic(method.getNameNode(), "CH1004", `${className}.runRemote must be public; it is ${method.getScope()}.`));
  }
  if (method.getOverloads().length > 0) {
    diagnostics.push(
      nodeDiagnostic(method.getOverloads()[0]!.getNameNode(), "CH1009", `${className}.runRemote cannot be overloaded: the service has one input and one output schema.`),
    );
  }

  const requestParameters: SchemaRequest["parameters"] = [];
  const parameters: RunRemoteIR["parameters"] = [];
  for (const parameter of method.getParameters()) {
    const nameNodeOfParam = parameter.getNameNode();
    if (parameter.getName() === "this") continue;
    if (parameter.isRestParameter() || !Node.isIdentifier(nameNodeOfParam)) {
      diagnostics.push(
        nodeDiagnostic(parameter, "CH1007", `runRemote parameters must be plain named parameters (no destructuring or rest): the wire body is an object keyed by parameter names.`),
      );
      continue;
    }
    const typeNode = parameter.getTypeNode();
    const type = parameter.getType();
    // `x: T | undefined` may be left out of the body just like `x?: T`.
    const optional = parameter.hasQuestionToken() || parameter.hasInitializer() || type.isUndefined() || type.getUnionTypes().some((t) => t.isUndefined());
    if (!typeNode) {
      diagnostics.push(
        nodeDiagnostic(nameNodeOfParam, "CH1005", `Parameter '${parameter.getName()}' of ${className}.runRemote needs an explicit type annotation: the wire schema is generated from it.`),
      );
      continue;
    }
    parameters.push({ name: parameter.getName(), optional });
    requestParameters.push({ name: parameter.getName(), type, node: parameter, optional });
  }

  const isAsyncMethod = method.isAsync();
  const isGenerator = method.isGenerator();
  if (isGenerator && !isAsyncMethod) {
    diagnostics.push(
      nodeDiagnostic(method.getNameNode(), "CH1008", `${className}.runRemote is a synchronous generator; stream with \`async *runRemote(...): AsyncGenerator<Item>\`.`),
    );
  }
  const returnTypeNode = method.getReturnTypeNode();
  if (!returnTypeNode) {
    diagnostics.push(
      nodeDiagnostic(
        method.getNameNode(),
        "CH1006",
        `${className}.runRemote needs an explicit return type annotation (e.g. \`Promise<string>\`): the output schema is generated from it.`,
      ),
    );
    return { runRemote: { parameters, async: isAsyncMethod, streaming: isGenerator }, schemaRequest: null, diagnostics };
  }

  const declared = returnTypeNode.getType();
  let output: Type = declared;
  let async = isAsyncMethod;
  let streaming = false;
  if (isStream(declared)) {
    streaming = true;
    async = true;
    output = declared.getTypeArguments()[0] ?? declared;
  } else if (typeName(declared) === "Promise") {
    async = true;
    output = declared.getTypeArguments()[0] ?? declared;
    if (isStream(output)) {
      diagnostics.push(
        nodeDiagnostic(returnTypeNode, "CH1008", `${className}.runRemote returns a Promise of a stream; declare \`AsyncIterable<Item>\` (or write an async generator) so callers can stream it.`),
      );
    }
  }
  if (isGenerator && isAsyncMethod && !streaming) {
    diagnostics.push(
      nodeDiagnostic(returnTypeNode, "CH1008", `${className}.runRemote is an async generator, so its return type must be AsyncGenerator<Item> or AsyncIterable<Item>.`),
    );
  }
  const hasSignatureErrors = diagnostics.some((d) => d.category === "error");
  const schemaRequest = hasSignatureErrors ? null : { parameters: requestParameters, output: { type: output, node: returnTypeNode } };
  return { runRemote: { parameters, async, streaming }, schemaRequest, diagnostics };
}

/** The class's own `runRemote`, else the one it inherits from an intermediate base class. */
function findRunRemote(cls: ClassDeclaration): MethodDeclaration | undefined {
  for (let current: ClassDeclaration | undefined = cls; current; current = current.getBaseClass()) {
    const method = current.getInstanceMethod("runRemote");
    if (method) return method;
  }
  return undefined;
}

function typeName(type: Type): string | undefined {
  return (type.getSymbol() ?? type.getAliasSymbol())?.getName();
}

function isStream(type: Type): boolean {
  const name = typeName(type);
  return name !== undefined && STREAM_TYPES.has(name);
}
