import { Node, type Symbol as MorphSymbol } from "ts-morph";
import { isRuntimeFile } from "./load-project.js";

/**
 * True when `expression` refers to the tschains runtime export `name` (`depends`, `dependsContext`,
 * `entrypoint`), however it was imported: named, renamed, or through a namespace import.
 */
export function refersToRuntime(expression: Node, name: string): boolean {
  const symbol = resolveAlias(expression.getSymbol());
  if (!symbol || symbol.getName() !== name) return false;
  return symbol.getDeclarations().some((declaration) => isRuntimeFile(declaration.getSourceFile().getFilePath()));
}

/** Follows import/export aliases to the declared symbol. */
export function resolveAlias(symbol: MorphSymbol | undefined): MorphSymbol | undefined {
  if (!symbol) return undefined;
  return symbol.isAlias() ? (symbol.getAliasedSymbol() ?? symbol) : symbol;
}

/** The callee of a call expression, the decorator factory, or the expression itself. */
export function calleeOf(node: Node): Node {
  return Node.isCallExpression(node) ? node.getExpression() : node;
}
