import { diagnosticMessage } from "./diagnostic-messages.js";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { FileSystemRefreshResult, Project, ts, type SourceFile } from "ts-morph";
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
    cached = emptyProjectFor(tsconfig);
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
  const entry = project.addSourceFileAtPath(entryPath);
  project.resolveSourceFileDependencies();
  const program = project.getProgram().compilerObject;
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
}

/**
 * Projects by tsconfig, reused across builds in one process (tests, `chains serve` rebuilds): TypeScript's
 * lib files stay parsed and bound, which makes a rebuild several times faster. Every build starts from a
 * project holding only the tschains runtime's own files (the same for every chain, three quarters of a
 * small chain's text; re-read, and re-parsed only when changed on disk), so only the new entry and its
 * imports are read, fresh from disk.
 */
const projects = new Map<string, CachedProject>();
const MAX_CACHED_PROJECTS = 4;

function emptyProjectFor(tsconfig: string | undefined): CachedProject {
  const key = tsconfig ? `${tsconfig}@${statSync(tsconfig).mtimeMs}` : "<defaults>";
  const cached = projects.get(key);
  if (cached) {
    for (const file of cached.project.getSourceFiles()) {
      if (isRuntimeFile(file.getFilePath()) && file.refreshFromFileSystemSync() !== FileSystemRefreshResult.Deleted) continue;
      cached.project.removeSourceFile(file);
    }
    return cached;
  }
  const project = tsconfig
    ? new Project({ tsConfigFilePath: tsconfig, skipAddingFilesFromTsConfig: true, skipFileDependencyResolution: true })
    : new Project({ compilerOptions: DEFAULT_OPTIONS, skipFileDependencyResolution: true });
  const created = { project, baseOptions: { ...project.getCompilerOptions() } };
  projects.set(key, created);
  if (projects.size > MAX_CACHED_PROJECTS) projects.delete(projects.keys().next().value!);
  return created;
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
