import { Node, ts, type Symbol as MorphSymbol } from "ts-morph";
import { isRuntimeFile } from "./load-project.js";

/**
 * True when `expression` refers to the tschains runtime export `name` (`depends`, `dependsContext`,
 * `entrypoint`), however it was imported: named, renamed, or through a namespace import.
 */
export function refersToRuntime(expression: Node, name: string): boolean {
  return runtimeExportNamed(expression.compilerNode, expression.getProject().getTypeChecker().compilerObject, [name]) === name;
}

/**
 * Which of the runtime exports `names` the compiler node `expression` refers to, if any: what
 * {@link refersToRuntime} answers, on TypeScript's own nodes, for walks over many nodes of which few
 * matter (wrapping each in a ts-morph node costs more than resolving its symbol).
 */
export function runtimeExportNamed<N extends string>(expression: ts.Node, checker: ts.TypeChecker, names: readonly N[]): N | undefined {
  // As ts-morph's Node.getSymbol: the node's own symbol, else its name's.
  let symbol = checker.getSymbolAtLocation(expression) ?? nameOf(expression, checker);
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol) ?? symbol;
  const name = symbol?.getName();
  if (!symbol || name === undefined || !(names as readonly string[]).includes(name)) return undefined;
  return symbol.getDeclarations()?.some((declaration) => isRuntimeFile(declaration.getSourceFile().fileName)) ? (name as N) : undefined;
}

function nameOf(expression: ts.Node, checker: ts.TypeChecker): ts.Symbol | undefined {
  const name = (expression as { name?: ts.Node }).name;
  return name ? checker.getSymbolAtLocation(name) : undefined;
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
