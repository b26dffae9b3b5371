import { ts, type Project, type SourceFile } from "ts-morph";
import type { Diagnostic } from "./diagnostics.js";

/**
 * TypeScript's own pre-emit errors for the chain's files (and the program's option/global errors),
 * as `TS####` diagnostics in the compiler's format: a chain that tsc rejects is not built.
 */
export function typescriptDiagnostics(project: Project, files: readonly SourceFile[]): Diagnostic[] {
  const program = project.getProgram().compilerObject;
  const raw: ts.Diagnostic[] = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
  for (const file of files) {
    const compilerFile = file.compilerNode;
    raw.push(...program.getSyntacticDiagnostics(compilerFile), ...program.getSemanticDiagnostics(compilerFile));
  }
  return raw.flatMap((d) => {
    const category = d.category === ts.DiagnosticCategory.Error ? "error" : d.category === ts.DiagnosticCategory.Warning ? "warning" : undefined;
    if (!category) return [];
    const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    if (!d.file || d.start === undefined) return [{ code: `TS${d.code}`, category, message }];
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return [
      {
        code: `TS${d.code}`,
        category,
        message,
        file: d.file.fileName,
        line: line + 1,
        column: character + 1,
        length: Math.max(1, d.length ?? 1),
        sourceText: d.file.text,
      },
    ];
  });
}
