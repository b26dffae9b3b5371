import { stripVTControlCharacters } from "node:util";
import { ts } from "ts-morph";
import type { DiagnosticCode } from "./diagnostic-messages.js";

/**
 * A problem found in the user's chain, reported the way tsc reports its own errors so editors and CI
 * log parsers pick them up: `path/file.ts:12:5 - error CH1003: message`, then a code frame.
 */
export interface Diagnostic {
  /** `CH1xxx` for tschains' own checks (compiler/diagnostic-messages.ts), `TS####` for TypeScript's. */
  code: DiagnosticCode | `TS${number}`;
  category: "error" | "warning";
  message: string;
  /** Absolute path; absent for problems that belong to no file (e.g. the entry file is missing). */
  file?: string;
  /** 1-based. */
  line?: number;
  /** 1-based. */
  column?: number;
  /** Length of the highlighted span in characters (at least 1 when `file` is set). */
  length?: number;
  /** The source text of `file`, used to print the code frame. */
  sourceText?: string;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.category === "error");
}

/** Sorts by file, line and column so reports (and tests) are stable. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      (a.file ?? "").localeCompare(b.file ?? "") ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.column ?? 0) - (b.column ?? 0) ||
      a.code.localeCompare(b.code),
  );
}

export interface FormatOptions {
  /** Paths are printed relative to this folder, as tsc does. */
  cwd: string;
  color?: boolean;
}

/**
 * Formats diagnostics with TypeScript's own `tsc --pretty` formatter (location header, message, code frame
 * with a squiggle); only the `TS` prefix of the code is swapped for `CH` on tschains' own diagnostics.
 */
export function formatDiagnostics(diagnostics: readonly Diagnostic[], options: FormatOptions): string {
  const host: ts.FormatDiagnosticsHost = {
    getCurrentDirectory: () => options.cwd,
    getCanonicalFileName: (fileName) => fileName,
    getNewLine: () => "\n",
  };
  const sourceFiles = new Map<string, ts.SourceFile>();
  const blocks = sortDiagnostics(diagnostics).map((d) => {
    const number = Number(d.code.slice(2));
    const printed = ts.formatDiagnosticsWithColorAndContext([toTypeScript(d, number, sourceFiles)], host);
    const text = options.color ? printed : stripVTControlCharacters(printed);
    return text.replace(` TS${number}: `, ` ${d.code}: `);
  });
  const errors = diagnostics.filter((d) => d.category === "error").length;
  const summary = errors === 0 ? "" : `\nFound ${errors} error${errors === 1 ? "" : "s"}.\n`;
  return blocks.join("\n") + summary;
}

function toTypeScript(d: Diagnostic, code: number, sourceFiles: Map<string, ts.SourceFile>): ts.Diagnostic {
  const category = d.category === "error" ? ts.DiagnosticCategory.Error : ts.DiagnosticCategory.Warning;
  const base = { category, code, messageText: d.message, file: undefined, start: undefined, length: undefined };
  if (!d.file) return base;
  if (d.sourceText === undefined || !d.line) {
    // No text to frame: the location header alone, on an empty file.
    return { ...base, file: ts.createSourceFile(d.file, "", ts.ScriptTarget.Latest), start: 0, length: 0 };
  }
  let file = sourceFiles.get(d.file);
  if (!file) sourceFiles.set(d.file, (file = ts.createSourceFile(d.file, d.sourceText, ts.ScriptTarget.Latest)));
  const start = file.getPositionOfLineAndCharacter(d.line - 1, (d.column ?? 1) - 1);
  return { ...base, file, start, length: Math.max(1, d.length ?? 1) };
}
