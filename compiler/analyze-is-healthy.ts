import { diagnosticMessage } from "./diagnostic-messages.js";
import { Node, type ClassDeclaration, type Type } from "ts-morph";
import type { Diagnostic } from "./diagnostics.js";
import { nodeDiagnostic } from "./node-diagnostic.js";

/**
 * Detects `isHealthy()`, which drives readiness. It must be a public instance method without required
 * parameters returning `boolean` or `Promise<boolean>`; `ChainletBase` does not declare it, so tsc alone
 * would not catch a wrong shape.
 */
export function analyzeIsHealthy(cls: ClassDeclaration): { hasIsHealthy: boolean; diagnostics: Diagnostic[] } {
  for (let current: ClassDeclaration | undefined = cls; current; current = current.getBaseClass()) {
    const member = current.getInstanceMember("isHealthy") ?? current.getStaticMember("isHealthy");
    if (!member) continue;
    const problem = !Node.isMethodDeclaration(member)
      ? "must be a method"
      : member.isStatic()
        ? "must be an instance method, not static"
        : member.getScope() !== "public"
          ? "must be public"
          : member.getParameters().some((p) => !p.isOptional() && !p.hasInitializer())
            ? "takes no arguments"
            : !returnsBoolean(member.getReturnType())
              ? `must return boolean or Promise<boolean>, not ${member.getReturnType().getText(member)}`
              : undefined;
    if (problem) {
      const at = Node.isMethodDeclaration(member) ? member.getNameNode() : member;
      return { hasIsHealthy: false, diagnostics: [nodeDiagnostic(at, diagnosticMessage("CH1017", "wrongShape", cls.getName() ?? "default", problem))] };
    }
    return { hasIsHealthy: true, diagnostics: [] };
  }
  return { hasIsHealthy: false, diagnostics: [] };
}

function returnsBoolean(type: Type): boolean {
  if (type.isBoolean() || type.isBooleanLiteral()) return true;
  if (type.getSymbol()?.getName() === "Promise") {
    const [inner] = type.getTypeArguments();
    return inner !== undefined && (inner.isBoolean() || inner.isBooleanLiteral());
  }
  return false;
}
