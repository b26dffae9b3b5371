import { Node } from "ts-morph";

/** Strips `( )`, `as T`, `satisfies T` and `!` around an expression. */
export function unwrap(node: Node | undefined): Node | undefined {
  let current = node;
  while (
    current &&
    (Node.isParenthesizedExpression(current) || Node.isAsExpression(current) || Node.isSatisfiesExpression(current) || Node.isNonNullExpression(current))
  ) {
    current = current.getExpression();
  }
  return current;
}
