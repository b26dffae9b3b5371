import { diagnosticMessage } from "./diagnostic-messages.js";
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
      nodeDiagnostic(misplaced, diagnosticMessage("CH1004", "notMethod", className)),
    );
    return { runRemote: empty, schemaRequest: null, diagnostics };
  }
  if (misplaced && Node.isMethodDeclaration(misplaced) && misplaced.isStatic()) {
    diagnostics.push(nodeDiagnostic(misplaced.getNameNode(), diagnosticMessage("CH1004", "static", className)));
    return { runRemote: empty, schemaRequest: null, diagnostics };
  }

  const method = findRunRemote(cls);
  if (!method) {
    diagnostics.push(
      nodeDiagnostic(nameNode, diagnosticMessage("CH1003", "missing", className)),
    );
    return { runRemote: empty, schemaRequest: null, diagnostics };
  }
  if (method.getScope() !== "public") {
    diagnostics.push(nodeDiagnostic(method.getNameNode(), diagnosticMessage("CH1004", "notPublic", className, method.getScope())));
  }
  if (method.getOverloads().length > 0) {
    diagnostics.push(
      nodeDiagnostic(method.getOverloads()[0]!.getNameNode(), diagnosticMessage("CH1009", "overloaded", className)),
    );
  }

  const requestParameters: SchemaRequest["parameters"] = [];
  const parameters: RunRemoteIR["parameters"] = [];
  for (const parameter of method.getParameters()) {
    const nameNodeOfParam = parameter.getNameNode();
    if (parameter.getName() === "this") continue;
    if (parameter.isRestParameter() || !Node.isIdentifier(nameNodeOfParam)) {
      diagnostics.push(
        nodeDiagnostic(parameter, diagnosticMessage("CH1007", "notPlain")),
      );
      continue;
    }
    const typeNode = parameter.getTypeNode();
    const type = parameter.getType();
    // `x: T | undefined` may be left out of the body just like `x?: T`.
    const optional = parameter.hasQuestionToken() || parameter.hasInitializer() || type.isUndefined() || type.getUnionTypes().some((t) => t.isUndefined());
    if (!typeNode) {
      diagnostics.push(
        nodeDiagnostic(nameNodeOfParam, diagnosticMessage("CH1005", "untyped", parameter.getName(), className)),
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
      nodeDiagnostic(method.getNameNode(), diagnosticMessage("CH1008", "syncGenerator", className)),
    );
  }
  const returnTypeNode = method.getReturnTypeNode();
  if (!returnTypeNode) {
    diagnostics.push(
      nodeDiagnostic(method.getNameNode(), diagnosticMessage("CH1006", "untyped", className)),
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
        nodeDiagnostic(returnTypeNode, diagnosticMessage("CH1008", "promiseOfStream", className)),
      );
    }
  }
  if (isGenerator && isAsyncMethod && !streaming) {
    diagnostics.push(
      nodeDiagnostic(returnTypeNode, diagnosticMessage("CH1008", "generatorReturnType", className)),
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
