import { ts, type Project, type SourceFile } from "ts-morph";
import type { Diagnostic } from "./diagnostics.js";
import { spanDiagnostic } from "./node-diagnostic.js";

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
    const diagnostic: Diagnostic = { code: `TS${d.code}`, category, message };
    return [d.file && d.start !== undefined ? spanDiagnostic(diagnostic, d.file, d.start, d.length ?? 1) : diagnostic];
  });
}
