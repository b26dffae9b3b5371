import { diagnosticMessage } from "./diagnostic-messages.js";
import { relative } from "node:path";
import type { ClassDeclaration } from "ts-morph";
import { kebabCase } from "../runtime-node/authoring/authoring.js";
import { analyzeDepends } from "./analyze-depends.js";
import { analyzeEntrypoint } from "./analyze-entrypoint.js";
import { analyzeGraph, type GraphNode } from "./analyze-graph.js";
import { analyzeIsHealthy } from "./analyze-is-healthy.js";
import { analyzeRemoteConfig, entrypointReplicaProblems, type RemoteConfigAnalysis } from "./analyze-remote-config.js";
import { analyzeRunRemote, type RunRemoteAnalysis } from "./analyze-run-remote.js";
import { analyzeSource } from "./analyze-source.js";
import { IR_VERSION, type ChainIR, type ChainletIR, type InjectionIR, type JsonSchema } from "./chain-ir.js";
import { hasErrors, sortDiagnostics, type Diagnostic } from "./diagnostics.js";
import { findChainlets } from "./find-chainlets.js";
import { loadProject, type LoadedProject } from "./load-project.js";
import { nodeDiagnostic } from "./node-diagnostic.js";
import { oneDiagnosticPerProblem } from "./one-diagnostic-per-problem.js";
import { generateChainletSchemas } from "./schema/generate-schemas.js";
import { typescriptDiagnostics } from "./typescript-diagnostics.js";
import { validateIr } from "./validate-ir.js";

export interface CompileOptions {
  /**
   * Class name of the entrypoint to build when the program holds several `@entrypoint`s (two chains
   * sharing Chainlets); any Chainlet class of the program may be picked. Default: the only one.
   */
  entrypoint?: string;
  /**
   * Called with the chain's Chainlets (as the IR will list them) as soon as the analysis has found no
   * error, before TypeScript's type check of the chain: work that needs only the Chainlets' schemas can
   * start then (`buildChain` generates the validators on a worker thread). The build may still fail after.
   */
  onChainlets?: (chainlets: readonly ChainletIR[]) => void;
}

export interface CompileResult {
  /** The chain IR, or null when any error was found. */
  ir: ChainIR | null;
  /** Every error and warning of the run (TypeScript's and tschains'), sorted by file and position. */
  diagnostics: Diagnostic[];
  /**
   * Absolute paths of the chain's own source files as the compiler saw them (the entry and its imports,
   * without libraries), also when the chain has errors: what `chains serve --watch` watches.
   */
  sourceFiles: string[];
}

interface AnalyzedChainlet {
  node: GraphNode;
  runRemote: RunRemoteAnalysis;
  remoteConfig: RemoteConfigAnalysis;
  hasIsHealthy: boolean;
}

/**
 * Statically analyses the chain whose entry file is `entryFile` (never running its code) and returns its
 * IR. Analysis continues past errors so one run reports all of them. The IR's `projectRoot` is absolute:
 * the compiler does not know where output goes; the writer of `chain.json` makes it relative
 * ({@link irForChainDir}).
 */
export function compileChain(entryFile: string, options: CompileOptions = {}): CompileResult {
  const { loaded, diagnostics: loadDiagnostics } = loadProject(entryFile);
  if (!loaded) return { ir: null, diagnostics: loadDiagnostics, sourceFiles: [] };
  const sourceFiles = loaded.chainFiles.map((file) => file.getFilePath() as string);
  const { ir, diagnostics } = analyzeLoaded(loaded, loadDiagnostics, options);
  return { ir, diagnostics, sourceFiles };
}

/**
 * The analysis runs before TypeScript's type check (which only adds diagnostics), so that
 * {@link CompileOptions.onChainlets} gets the Chainlets while the check runs.
 */
function analyzeLoaded(loaded: LoadedProject, diagnostics: Diagnostic[], options: CompileOptions): Omit<CompileResult, "sourceFiles"> {
  const { project, entry, projectRoot, chainFiles } = loaded;
  const failed = () => {
    diagnostics.push(...typescriptDiagnostics(project, entry, chainFiles));
    return { ir: null, diagnostics: sortDiagnostics(oneDiagnosticPerProblem(diagnostics)) };
  };

  const classes = findChainlets(chainFiles);
  if (classes.length === 0) {
    diagnostics.push(
      nodeDiagnostic(entry, diagnosticMessage("CH1002", "noChainlet")),
    );
    return failed();
  }

  const analyzed: AnalyzedChainlet[] = [];
  for (const cls of classes) {
    const chainlet = analyzeChainlet(cls, entry.getFilePath() === cls.getSourceFile().getFilePath(), diagnostics);
    if (chainlet) analyzed.push(chainlet);
  }
  const graph = analyzeGraph(analyzed.map((a) => a.node), entry, options.entrypoint);
  diagnostics.push(...graph.diagnostics);
  const entrypoint = analyzed.find((a) => a.node === graph.entry);
  if (entrypoint) diagnostics.push(...entrypointReplicaProblems(entrypoint.node.declaration, entrypoint.remoteConfig));

  // Left-out Chainlets are not built, so only the ones in the chain need wire schemas (all of them when
  // there is no entrypoint, to still report every problem).
  const inChain = graph.entry ? analyzed.filter((a) => graph.reachable.includes(a.node)) : analyzed;
  const schemas = new Map<AnalyzedChainlet, { input: JsonSchema; output: JsonSchema }>();
  for (const chainlet of inChain) {
    const request = chainlet.runRemote.schemaRequest;
    if (!request) continue;
    const generated = generateChainletSchemas(request);
    diagnostics.push(...generated.diagnostics);
    schemas.set(chainlet, { input: generated.input, output: generated.output });
  }

  if (hasErrors(diagnostics) || !graph.entry) return failed();

  const relativeToRoot = (file: string) => toPosix(relative(projectRoot, file));
  const chainlets = inChain
    .map((chainlet): ChainletIR => {
      const { node } = chainlet;
      const file = relativeToRoot(node.declaration.getSourceFile().getFilePath());
      const injections = node.injections.map((injection): InjectionIR =>
        injection.kind === "context"
          ? { kind: "context", parameter: injection.parameter }
          : { kind: "depends", parameter: injection.parameter, chainlet: graph.targets.get(injection)!.name, options: injection.options },
      );
      const dependsCalls = node.injections.flatMap((injection) =>
        injection.kind === "depends"
          ? [{ start: injection.call.getStart(), end: injection.call.getEnd(), chainlet: graph.targets.get(injection)!.name }]
          : [],
      );
      return {
        name: node.name,
        className: node.className,
        file,
        isEntrypoint: node === graph.entry,
        dependencies: [...new Set(dependsCalls.map((call) => call.chainlet))],
        injections,
        runRemote: chainlet.runRemote.runRemote,
        hasIsHealthy: chainlet.hasIsHealthy,
        config: chainlet.remoteConfig.config,
        schemas: schemas.get(chainlet)!,
        source: { file, ...analyzeSource(node.declaration), dependsCalls },
      };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  options.onChainlets?.(chainlets);
  diagnostics.push(...typescriptDiagnostics(project, entry, chainFiles));
  if (hasErrors(diagnostics)) return { ir: null, diagnostics: sortDiagnostics(oneDiagnosticPerProblem(diagnostics)) };

  const ir: ChainIR = {
    irVersion: IR_VERSION,
    name: graph.chainName,
    displayName: graph.displayName,
    entrypoint: graph.entry.name,
    projectRoot: toPosix(projectRoot),
    entryFile: relativeToRoot(entry.getFilePath()),
    chainlets,
  };
  const problems = validateIr(ir);
  if (problems.length > 0) {
    diagnostics.push(diagnosticMessage("CH1099", "invalidIr", problems));
    return { ir: null, diagnostics: sortDiagnostics(oneDiagnosticPerProblem(diagnostics)) };
  }
  return { ir, diagnostics: sortDiagnostics(oneDiagnosticPerProblem(diagnostics)) };
}

function analyzeChainlet(cls: ClassDeclaration, inEntryFile: boolean, diagnostics: Diagnostic[]): AnalyzedChainlet | undefined {
  const className = cls.getName();
  if (!className) {
    diagnostics.push(nodeDiagnostic(cls, diagnosticMessage("CH1016", "anonymous")));
    return undefined;
  }
  if (cls.getTypeParameters().length > 0) {
    diagnostics.push(
      nodeDiagnostic(cls.getTypeParameters()[0]!, diagnosticMessage("CH1018", "generic", className)),
    );
  }
  const entrypoint = analyzeEntrypoint(cls);
  const runRemote = analyzeRunRemote(cls);
  const depends = analyzeDepends(cls);
  const remoteConfig = analyzeRemoteConfig(cls);
  const isHealthy = analyzeIsHealthy(cls);
  diagnostics.push(...entrypoint.diagnostics, ...runRemote.diagnostics, ...depends.diagnostics, ...remoteConfig.diagnostics, ...isHealthy.diagnostics);
  const node: GraphNode = {
    declaration: cls,
    className,
    name: kebabCase(remoteConfig.name ?? className),
    nameSource: remoteConfig.name ? "config" : "class",
    entrypoint: entrypoint.mark,
    injections: depends.injections,
    inEntryFile,
  };
  return { node, runRemote, remoteConfig, hasIsHealthy: isHealthy.hasIsHealthy };
}

function toPosix(path: string): string {
  return path.split("\\").join("/");
}
