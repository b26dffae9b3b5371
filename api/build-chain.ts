import { resolve } from "node:path";
import type { ChainletIR } from "../compiler/chain-ir.js";
import type { ValidatorSource } from "../emitters/emit-validators.js";
import { compileChain } from "../compiler/compile-chain.js";
import { isDiagnosticCode } from "../compiler/diagnostic-messages.js";
import { hasErrors, type Diagnostic } from "../compiler/diagnostics.js";
import type { EmitCache } from "../emitters/emit-cache.js";
import { CHAINLETS_DIR, CLIENTS_DIR } from "../emitters/context-files.js";
import { emitChain } from "../emitters/emit-chain.js";
import { stableJson } from "../emitters/stable-json.js";
import { validatorCodeInWorker, type ValidatorCodeJob } from "../emitters/validator-code-worker.js";
import type { ValidatorCode } from "../emitters/validator-code.js";
import type { DeployOptions } from "../emitters/deploy/emit-deployments.js";
import { irForChainDir } from "./ir-for-chain-dir.js";
import type { OutputStore } from "./output-store.js";
import { writeOutputAtomically } from "./write-output-atomically.js";

export interface BuildOptions extends DeployOptions {
  /** Output folder; the chain is written to `<outDir>/<chain>/`. */
  outDir: string;
  /** Class name of the entrypoint to build when the program has several (see `CompileOptions.entrypoint`). */
  entrypoint?: string;
  /** Kept across rebuilds of the same chain in one process (`chains serve --watch`): unchanged Chainlets are not bundled again. */
  cache?: EmitCache;
  /**
   * Kept across builds that each go to a new `outDir` while earlier outputs stay in use (`chains serve
   * --watch`): each Chainlet's context and client folder is a symbolic link to the store's copy of its
   * files, so a folder no edit changed is not written again. Without it every folder is written.
   */
  store?: OutputStore;
}

export interface BuildResult {
  ok: boolean;
  /** Absolute `<outDir>/<chain>/` (empty when the chain's name could not be determined). */
  chainDir: string;
  /** Every error and warning, to be printed with `formatDiagnostics`. */
  diagnostics: Diagnostic[];
  /** The chain's source files as the compiler saw them (see `CompileResult.sourceFiles`). */
  sourceFiles: string[];
  /** Where the build's time went, in ms (a step not reached is absent). */
  timings: BuildTimings;
}

/** The steps of one build, in ms. */
export interface BuildTimings {
  /** Analysis and type check (`compileChain`). */
  compileMs: number;
  /** Every artifact in memory: validators, bundles, clients, deployments (`emitChain`). */
  emitMs?: number;
  /** Writing the output folder (`writeOutputAtomically`). */
  writeMs?: number;
}

/**
 * Compiles the chain of `entry` and writes `<outDir>/<chain>/`: `chain.json` plus every emitted artifact,
 * atomically. On any error nothing is written and the previous output stays untouched.
 */
export async function buildChain(entry: string, options: BuildOptions): Promise<BuildResult> {
  const outDir = resolve(options.outDir);
  let mark = performance.now();
  const lap = () => {
    const now = performance.now();
    const ms = now - mark;
    mark = now;
    return ms;
  };
  // The validators (ajv's code generation, the slowest step of emitting) are generated on a worker
  // thread while this one type-checks the chain; a rebuild whose schemas did not change reuses the cache's.
  let job: ValidatorCodeJob | undefined;
  let validatorCode: Promise<ValidatorCode> | undefined;
  const onChainlets = (chainlets: readonly ChainletIR[]) => {
    const inWorker = (sources: readonly ValidatorSource[]) => (job = validatorCodeInWorker(sources)).result;
    validatorCode = options.cache ? options.cache.validatorCode(chainlets, inWorker) : inWorker(chainlets);
  };
  const compiled = compileChain(resolve(entry), { entrypoint: options.entrypoint, onChainlets });
  const { diagnostics, sourceFiles } = compiled;
  const timings: BuildTimings = { compileMs: lap() };
  if (!compiled.ir || hasErrors(diagnostics)) {
    // A cache keeps what its worker makes for the next build (the schemas are often the same once the error is fixed).
    if (!options.cache) job?.cancel();
    return { ok: false, chainDir: "", diagnostics, sourceFiles, timings };
  }
  const chainDir = resolve(outDir, compiled.ir.name);
  const ir = irForChainDir(compiled.ir, chainDir);
  let emitted;
  try {
    const { outDir: _out, entrypoint: _entrypoint, cache, store: _store, ...deploy } = options;
    emitted = await emitChain(ir, { chainDir, deploy, cache, validatorCode });
  } catch (error) {
    return { ok: false, chainDir, diagnostics: [...diagnostics, ...emitterDiagnostics(error)], sourceFiles, timings };
  }
  timings.emitMs = lap();
  const stored = options.store && { store: options.store, folders: ir.chainlets.flatMap((c) => [`${CHAINLETS_DIR}/${c.name}`, `${CLIENTS_DIR}/${c.name}`]) };
  await writeOutputAtomically(chainDir, [{ path: "chain.json", contents: stableJson(ir) }, ...emitted], stored);
  timings.writeMs = lap();
  return { ok: true, chainDir, diagnostics, sourceFiles, timings };
}

/** An emitter failure that carries a code (`CH14xx`) or diagnostics is a user-facing error; anything else is a bug. */
function emitterDiagnostics(error: unknown): Diagnostic[] {
  const carried = (error as { diagnostics?: unknown } | null)?.diagnostics;
  if (Array.isArray(carried)) return carried as Diagnostic[];
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof Error && isDiagnosticCode(code)) {
    return [{ code, category: "error", message: error.message.replace(new RegExp(`^${code}:\\s*`), "") }];
  }
  throw error;
}
