import { createHash } from "node:crypto";
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
 *
 * Incremental, as `tsc --watch` is: the program goes through TypeScript's semantic-diagnostics builder
 * with the builder of the project's previous build, which re-checks only the files that changed and
 * those whose imports' declarations (their `.d.ts` shape) changed, and keeps the other files' diagnostics.
 * The builder tells files apart by `SourceFile.version`, which is set here to a hash of the file's text
 * (ts-morph numbers versions per path and restarts at "0" when a file is removed and added again).
 */
export function typescriptDiagnostics(project: Project, entry: SourceFile, files: readonly SourceFile[]): Diagnostic[] {
  const program = project.getProgram().compilerObject;
  for (const file of program.getSourceFiles()) (file as VersionedSourceFile).version = contentVersion(file);
  // Only the same chain's last state helps: against another chain's, every file is new, and a builder
  // with an old state computes each new file's declaration shape, which a first check does not need.
  const last = builders.get(project);
  const old = last?.entry === entry.getFilePath() ? last.builder : undefined;
  const builder = ts.createSemanticDiagnosticsBuilderProgram(program, BUILDER_HOST, old);
  builders.set(project, { entry: entry.getFilePath(), builder });
  const chainFiles = new Set(files.map((file) => file.compilerNode));
  // Walk the files the change affects first: that is what drops a dependent file's kept diagnostics
  // when a file it imports changed shape. Libraries and the runtime are never reported, so never checked.
  while (builder.getSemanticDiagnosticsOfNextAffectedFile(undefined, (file) => !chainFiles.has(file))) {
    // each call checks one affected chain file
  }
  const raw: ts.Diagnostic[] = [...builder.getOptionsDiagnostics(), ...builder.getGlobalDiagnostics()];
  for (const file of chainFiles) raw.push(...builder.getSyntacticDiagnostics(file), ...builder.getSemanticDiagnostics(file));
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

/** The last builder of each (kept) project and the entry file it checked: the state the next build of that chain starts from. */
const builders = new WeakMap<Project, { entry: string; builder: ts.SemanticDiagnosticsBuilderProgram }>();

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

const BUILDER_HOST: ts.BuilderProgramHost = { createHash: sha256 };

/** `version` is TypeScript-internal: what its builder compares between two programs' files. */
type VersionedSourceFile = ts.SourceFile & { version?: string };

/** A parsed file's text never changes (an edit makes a new SourceFile), so its hash is computed once. */
const versions = new WeakMap<ts.SourceFile, string>();

function contentVersion(file: ts.SourceFile): string {
  let version = versions.get(file);
  if (version === undefined) versions.set(file, (version = `sha256:${sha256(file.text)}`));
  return version;
}
