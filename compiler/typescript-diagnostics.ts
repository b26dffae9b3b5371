import { ts, type Project, type SourceFile } from "ts-morph";
import type { Diagnostic } from "./diagnostics.js";
import { spanDiagnostic } from "./node-diagnostic.js";

/**
 * "Option X is deprecated and will stop functioning in TypeScript 7.0" (`baseUrl`, `moduleResolution: node`,
 * ...): errors in the TypeScript 6 tschains compiles with, accepted by the TypeScript 5 a user's tsconfig was
 * written for. They still work in 6, so they are warnings here, not a failed build.
 */
const DEPRECATED_OPTION_CODES = new Set([5101, 5107]);

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
    const category = DEPRECATED_OPTION_CODES.has(d.code)
      ? "warning"
      : d.category === ts.DiagnosticCategory.Error
        ? "error"
        : d.category === ts.DiagnosticCategory.Warning
          ? "warning"
          : undefined;
    if (!category) return [];
    const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    const diagnostic: Diagnostic = { code: `TS${d.code}`, category, message };
    return [d.file && d.start !== undefined ? spanDiagnostic(diagnostic, d.file, d.start, d.length ?? 1) : diagnostic];
  });
}
