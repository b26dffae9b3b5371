import { diagnosticMessage } from "./diagnostic-messages.js";
import { Node, type ClassDeclaration, type Decorator } from "ts-morph";
import type { Diagnostic } from "./diagnostics.js";
import { nodeDiagnostic } from "./node-diagnostic.js";
import { refersToRuntime } from "./runtime-symbols.js";

export interface EntrypointMark {
  decorator: Decorator;
  /** The argument of `@entrypoint("Name")`, else the class name. */
  chainName: string;
}

/** Reads `@entrypoint` / `@entrypoint("Name")` on `cls`; undefined when the class is not marked. */
export function analyzeEntrypoint(cls: ClassDeclaration): { mark: EntrypointMark | undefined; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  for (const decorator of cls.getDecorators()) {
    const expression = decorator.getExpression();
    const callee = Node.isCallExpression(expression) ? expression.getExpression() : expression;
    if (!refersToRuntime(callee, "entrypoint")) continue;
    const className = cls.getName() ?? "default";
    if (!Node.isCallExpression(expression)) return { mark: { decorator, chainName: className }, diagnostics };
    const [argument] = expression.getArguments();
    if (argument && (Node.isStringLiteral(argument) || Node.isNoSubstitutionTemplateLiteral(argument))) {
      return { mark: { decorator, chainName: argument.getLiteralValue() }, diagnostics };
    }
    diagnostics.push(
      nodeDiagnostic(argument ?? expression, diagnosticMessage("CH1015", "notLiteral")),
    );
    return { mark: { decorator, chainName: className }, diagnostics };
  }
  return { mark: undefined, diagnostics };
}
