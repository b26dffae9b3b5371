import { ts, type Node } from "ts-morph";
import type { DiagnosticMessage } from "./diagnostic-messages.js";
import type { Diagnostic } from "./diagnostics.js";

/** A diagnostic located at `node` (its first token, leading trivia excluded), with the file's text for the code frame. */
export function nodeDiagnostic(node: Node, message: DiagnosticMessage): Diagnostic {
  return compilerNodeDiagnostic(node.compilerNode, message);
}

/** {@link nodeDiagnostic} for one of TypeScript's own nodes. */
export function compilerNodeDiagnostic(node: ts.Node, message: DiagnosticMessage): Diagnostic {
  const file = node.getSourceFile();
  const start = node.getStart(file);
  return spanDiagnostic(message, file, start, node.getEnd() - start);
}

/** The one place a span of a source file becomes a diagnostic's file, line, column and length. */
export function spanDiagnostic(message: Pick<Diagnostic, "code" | "category" | "message">, file: ts.SourceFile, start: number, length: number): Diagnostic {
  const { line, character } = ts.getLineAndCharacterOfPosition(file, start);
  return { ...message, file: file.fileName, line: line + 1, column: character + 1, length: Math.max(1, length), sourceText: file.text };
}
