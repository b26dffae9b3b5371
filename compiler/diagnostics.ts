import { relative } from "node:path";

/**
 * A problem found in the user's chain, reported the way tsc reports its own errors so editors and CI
 * log parsers pick them up: `path/file.ts:12:5 - error CH1003: message`, then a code frame.
 */
export interface Diagnostic {
  /** `CH1xxx` for tschains' own checks, `TS####` for TypeScript's. */
  code: string;
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

/** Formats diagnostics like `tsc --pretty`: location header, message, code frame with a squiggle. */
export function formatDiagnostics(diagnostics: readonly Diagnostic[], options: FormatOptions): string {
  const paint = (code: string, text: string) => (options.color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const blocks = sortDiagnostics(diagnostics).map((d) => {
    const category = d.category === "error" ? paint("91", "error") : paint("93", "warning");
    const head = `${category} ${paint("90", d.code + ":")} ${d.message}`;
    if (!d.file) return head;
    const where = `${paint("96", relative(options.cwd, d.file).split("\\").join("/"))}:${paint("93", String(d.line ?? 1))}:${paint("93", String(d.column ?? 1))}`;
    const frame = d.sourceText !== undefined && d.line ? codeFrame(d.sourceText, d.line, d.column ?? 1, d.length ?? 1, paint) : "";
    return `${where} - ${head}${frame ? "\n\n" + frame : ""}`;
  });
  const errors = diagnostics.filter((d) => d.category === "error").length;
  const summary = errors === 0 ? "" : `\n\nFound ${errors} error${errors === 1 ? "" : "s"}.`;
  return blocks.join("\n\n") + summary + "\n";
}

function codeFrame(
  text: string,
  line: number,
  column: number,
  length: number,
  paint: (code: string, text: string) => string,
): string {
  const lines = text.split(/\r?\n/);
  const source = lines[line - 1];
  if (source === undefined) return "";
  const gutter = String(line);
  const width = Math.max(1, Math.min(length, source.length - column + 1));
  const marker = " ".repeat(column - 1) + "~".repeat(width);
  return `${paint("7", gutter)} ${source}\n${paint("7", " ".repeat(gutter.length))} ${paint("91", marker)}`;
}
