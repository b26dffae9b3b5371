import { diagnosticMessage } from "./diagnostic-messages.js";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { Project, ts, type SourceFile } from "ts-morph";
import type { Diagnostic } from "./diagnostics.js";

/** The chain's program: the entry file and everything it imports, nothing else of the project. */
export interface LoadedProject {
  project: Project;
  entry: SourceFile;
  /** Folder of the nearest `package.json` or `tsconfig.json` above the entry file (else the entry's folder). */
  projectRoot: string;
  /** The chain's own source files: the entry and its imports, without libraries and the tschains runtime's folder. */
  chainFiles: SourceFile[];
}

/** Used when no `tsconfig.json` is found above the entry file. */
const DEFAULT_OPTIONS: ts.CompilerOptions = {
  strict: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  esModuleInterop: true,
  skipLibCheck: true,
  noEmit: true,
};

/**
 * Loads the entry file with ts-morph's bundled compiler. The nearest `tsconfig.json` above the entry
 * supplies the compiler options, but only its options: files are added from the entry's imports, so an
 * unrelated broken file of the same project never fails the build.
 */
export function loadProject(entryFile: string): { loaded: LoadedProject | null; diagnostics: Diagnostic[] } {
  const entryPath = resolve(entryFile);
  if (!existsSync(entryPath) || !statSync(entryPath).isFile()) {
    return { loaded: null, diagnostics: [diagnosticMessage("CH1001", "notFound", entryPath)] };
  }
  if (!/\.(m|c)?tsx?$/.test(entryPath) || /\.d\.(m|c)?ts$/.test(entryPath)) {
    return {
      loaded: null,
      diagnostics: [diagnosticMessage("CH1001", "notTypeScript", entryPath)],
    };
  }
  const tsconfig = findUp(dirname(entryPath), ["tsconfig.json"]);
  let cached: CachedProject;
  try {
    cached = projectFor(tsconfig);
  } catch (error) {
    return { loaded: null, diagnostics: [diagnosticMessage("CH1019", "unreadableTsconfig", String(tsconfig), (error as Error).message.trim())] };
  }
  const { project, baseOptions } = cached;
  const diagnostics: Diagnostic[] = [];
  if (baseOptions.experimentalDecorators) {
    diagnostics.push(experimentalDecoratorsDiagnostic(tsconfig!));
    // Checked as standard decorators, so the one problem is not also reported as TS1238 on every @entrypoint.
    project.compilerOptions.set({ experimentalDecorators: false });
  }
  let runtimeEntry = resolveTschains(entryPath, baseOptions);
  // A chain outside any project that installed tschains still compiles against this installation's runtime.
  const paths = runtimeEntry ? baseOptions.paths : { ...baseOptions.paths, tschains: [(runtimeEntry = bundledRuntimeEntry())] };
  if (JSON.stringify(paths) !== JSON.stringify(project.getCompilerOptions().paths)) project.compilerOptions.set({ paths });
  const runtimeDir = dirname(runtimeEntry) + sep;
  forgetChangedFiles(cached);
  const entry = project.getSourceFile(entryPath) ?? project.addSourceFileAtPath(entryPath);
  project.resolveSourceFileDependencies();
  let program = project.getProgram().compilerObject;
  if (forgetUnreachableFiles(project, program, entry)) program = project.getProgram().compilerObject;
  cached.lastProgram = program;
  const chainFiles = project
    .getSourceFiles()
    .filter((file) => {
      const compilerFile = program.getSourceFile(file.getFilePath());
      if (!compilerFile) return false;
      return (
        !program.isSourceFileDefaultLibrary(compilerFile) &&
        !program.isSourceFileFromExternalLibrary(compilerFile) &&
        !resolve(file.getFilePath()).startsWith(runtimeDir)
      );
    })
    .sort((a, b) => a.getFilePath().localeCompare(b.getFilePath()));
  const projectRoot = dirname(findUp(dirname(entryPath), ["package.json", "tsconfig.json"]) ?? entryPath);
  return { loaded: { project, entry, projectRoot, chainFiles }, diagnostics };
}

/** CH1021 at the `experimentalDecorators` line of the tsconfig (or at the file when an `extends` sets it). */
function experimentalDecoratorsDiagnostic(tsconfig: string): Diagnostic {
  const text = readFileSync(tsconfig, "utf8");
  const at = text.indexOf('"experimentalDecorators"');
  const before = text.slice(0, Math.max(0, at)).split("\n");
  return {
    ...diagnosticMessage("CH1021", "legacyDecorators"),
    file: tsconfig,
    ...(at === -1 ? {} : { line: before.length, column: before.at(-1)!.length + 1, length: '"experimentalDecorators"'.length, sourceText: text }),
  };
}

interface CachedProject {
  project: Project;
  /** The options as read from the tsconfig (or the defaults), before any per-entry change. */
  baseOptions: ts.CompilerOptions;
  /** The program of the last build from this project. */
  lastProgram?: ts.Program;
}

/**
 * Projects by tsconfig, reused across builds in one process (tests, `chains serve` rebuilds): TypeScript's
 * lib files and the chain's files stay parsed and bound, which makes a rebuild several times faster. Each
 * build re-reads the project's files and parses again only those whose text changed
 * ({@link forgetChangedFiles}), then drops every file the entry no longer reaches
 * ({@link forgetUnreachableFiles}): the program holds exactly the files a fresh build of the entry would.
 */
const projects = new Map<string, CachedProject>();
const MAX_CACHED_PROJECTS = 4;

function projectFor(tsconfig: string | undefined): CachedProject {
  const key = tsconfig ? `${tsconfig}@${statSync(tsconfig).mtimeMs}` : "<defaults>";
  const cached = projects.get(key);
  if (cached) return cached;
  const project = tsconfig
    ? new Project({ tsConfigFilePath: tsconfig, skipAddingFilesFromTsConfig: true, skipFileDependencyResolution: true })
    : new Project({ compilerOptions: DEFAULT_OPTIONS, skipFileDependencyResolution: true });
  const created = { project, baseOptions: { ...project.getCompilerOptions() } };
  projects.set(key, created);
  if (projects.size > MAX_CACHED_PROJECTS) projects.delete(projects.keys().next().value!);
  return created;
}

/**
 * Forgets each kept file of the project whose text on disk changed or that is gone: it is parsed anew
 * when the entry still imports it. A file is also forgotten when a module it imports could now resolve to
 * another file (one of the paths its resolution found missing exists now): TypeScript reuses an unchanged
 * file's resolutions from the previous program, as `tsc --watch` does between the events its watchers report.
 */
function forgetChangedFiles({ project, lastProgram }: CachedProject): void {
  for (const file of project.getSourceFiles()) {
    const path = file.getFilePath();
    let text: string | undefined;
    try {
      text = project.getFileSystem().readFileSync(path);
    } catch {
      text = undefined;
    }
    if (text === file.getFullText() && !mayResolveElsewhere(lastProgram, file.compilerNode)) continue;
    project.removeSourceFile(file);
  }
}

/**
 * What this module reads of TypeScript's internals (TypeScript 6, the version ts-morph bundles):
 * `tsc --explainFiles` and `tsc --watch` are built on them, the public API has no equivalent.
 */
interface ProgramInternals {
  forEachResolvedModule(callback: (resolution: { failedLookupLocations?: readonly string[] }) => void, file: ts.SourceFile): void;
  getFileIncludeReasons(): { get(path: string): readonly FileIncludeReason[] | undefined };
}

/** A source file's key in the program (its normalised path). */
type PathOf = ts.SourceFile & { path: string };

/** Why a file is in the program: `file` is the path of the file whose import or reference brought it in, if any. */
interface FileIncludeReason {
  kind: number;
  file?: string;
}

/** `ts.FileIncludeKind.RootFile`: a file included because it was given as a root, which every kept file is. */
const ROOT_FILE: number = (ts as unknown as { FileIncludeKind: { RootFile: number } }).FileIncludeKind.RootFile;

function mayResolveElsewhere(program: ts.Program | undefined, file: ts.SourceFile): boolean {
  if (!program || program.getSourceFile(file.fileName) !== file) return false;
  let missingNowExists = false;
  (program as unknown as ProgramInternals).forEachResolvedModule((resolution) => {
    missingNowExists ||= resolution.failedLookupLocations?.some((location) => existsSync(location)) ?? false;
  }, file);
  return missingNowExists;
}

/**
 * Removes from the project every file of the program that the entry does not reach: the kept project
 * makes every file it holds a root of the program, so a file no longer imported (or another chain's
 * file) would otherwise stay in it, checked and analysed. Reachability follows TypeScript's own record
 * of why it included each file (an import, a reference, a type reference of another file); files it
 * includes for no file's sake (default libraries, automatic `@types`) are reached as a fresh build
 * reaches them. True when a file was removed (the program must then be made again).
 */
function forgetUnreachableFiles(project: Project, program: ts.Program, entry: SourceFile): boolean {
  const reasons = (program as unknown as ProgramInternals).getFileIncludeReasons();
  const includes = new Map<string, ts.SourceFile[]>();
  const reached = new Set<ts.SourceFile>([entry.compilerNode]);
  for (const file of program.getSourceFiles()) {
    for (const reason of reasons.get((file as PathOf).path) ?? []) {
      if (reason.kind === ROOT_FILE) continue;
      if (reason.file === undefined) reached.add(file);
      else includes.set(reason.file, [...(includes.get(reason.file) ?? []), file]);
    }
  }
  const pending = [...reached];
  while (pending.length > 0) {
    for (const file of includes.get((pending.pop() as PathOf).path) ?? []) {
      if (reached.has(file)) continue;
      reached.add(file);
      pending.push(file);
    }
  }
  let removed = false;
  for (const file of project.getSourceFiles()) {
    if (reached.has(file.compilerNode)) continue;
    project.removeSourceFile(file);
    removed = true;
  }
  return removed;
}

/** True for files of the tschains runtime itself: this repository's `runtime-node/` or an installed `tschains` package. */
export function isRuntimeFile(path: string): boolean {
  const posix = path.split("\\").join("/");
  return posix.includes("/runtime-node/") || posix.includes("/node_modules/tschains/");
}

/** The file `import "tschains"` resolves to from the entry, if it resolves. */
function resolveTschains(entryPath: string, options: ts.CompilerOptions): string | undefined {
  return ts.resolveModuleName("tschains", entryPath, options, ts.sys).resolvedModule?.resolvedFileName;
}

function bundledRuntimeEntry(): string {
  // From source this is compiler/../runtime-node/index.ts; from the build, lib/compiler/../runtime-node/index.d.ts.
  const here = dirname(fileURLToPath(import.meta.url));
  const source = join(here, "..", "runtime-node", "index.ts");
  return existsSync(source) ? source : join(here, "..", "runtime-node", "index.d.ts");
}

export function findUp(start: string, names: string[]): string | undefined {
  let dir = start;
  for (;;) {
    for (const name of names) {
      const candidate = join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
