import type { Node } from "ts-morph";
import type { Diagnostic } from "./diagnostics.js";

/** A diagnostic located at `node` (its first token, leading trivia excluded), with the file's text for the code frame. */
export function nodeDiagnostic(
  node: Node,
  code: string,
  message: string,
  category: Diagnostic["category"] = "error",
): Diagnostic {
  const sourceFile = node.getSourceFile();
  const start = node.getStart();
  const { line, column } = sourceFile.getLineAndColumnAtPos(start);
  return {
    code,
    category,
    message,
    file: sourceFile.getFilePath(),
    line,
    column,
    length: Math.max(1, node.getEnd() - start),
    sourceText: sourceFile.getFullText(),
  };
}
