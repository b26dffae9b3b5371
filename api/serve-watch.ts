import { randomBytes } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import type { ChainIR } from "../compiler/chain-ir.js";
import type { Diagnostic } from "../compiler/diagnostics.js";
import { findUp } from "../compiler/load-project.js";
import { EmitCache } from "../emitters/emit-cache.js";
import { buildChain } from "./build-chain.js";
import { OutputStore } from "./output-store.js";
import { planReload, chainletFingerprints } from "./reload-plan.js";
import { spawnStandby, standbyScript, type Standby } from "./chainlet-standby.js";
import { chainletEnv, spawnChainlet, spawnNode, startOrder, waitReady, type ChainProcessOptions, type ChainletState, type Running, type ServedChainlet } from "./serve-chain.js";
import { startServeFront, type ServeFront } from "./serve-front.js";
import { describeMissingSecrets, missingServeSecrets } from "./serve-secrets.js";
import { watchFiles, type FileWatcher, type WatchSet } from "./watch-files.js";

/** `onExit` is not called for a process a reload replaces. */
export interface WatchServeOptions extends ChainProcessOptions {
  /** Absolute path of the chain's entry file. */
  entry: string;
  /** The `@entrypoint` class to serve when the program has several. */
  entrypoint?: string;
  /** A private folder for the builds (one sub-folder per build still in use); removed by `stop()`. */
  workDir: string;
  /** One event per reload after the first build. */
  onReload?: (event: ReloadEvent) => void;
  /** Quiet time that ends a burst of file events (default `DEFAULT_DEBOUNCE_MS`, 30 ms). */
  debounceMs?: number;
  /** The internal token the Chainlets share (default: a fresh random one). */
  token?: string;
  /** Each successful build's IR, before any process of it starts (the dashboard follows reshaped chains). */
  onBuild?: (ir: ChainIR) => void;
  /**
   * A Chainlet's state changed: `starting` (new), `restarting` (its new process is starting while the old
   * one serves), then `ready` (with its stable URL) or `failed`. A restart whose new process fails is
   * `ready` again with the `reason`: the previous process keeps serving.
   */
  onChainletState?: (chainlet: string, state: ChainletState, details: { reason?: string; url?: string }) => void;
}

/** What one reload did, for the one line `chains serve --watch` prints per reload. */
export type ReloadEvent =
  | {
      kind: "reloaded";
      files: string[];
      restarted: string[];
      added: string[];
      removed: string[];
      /** Chainlets whose new process did not start; their previous process keeps serving. */
      failed: { chainlet: string; reason: string }[];
      /** From the save (its first file event) until every new process serves or failed to start: what the user waited. */
      ms: number;
      /** Of `ms`, the rebuild (compile, emit, write); the rest is the quiet time and starting the new processes until ready. */
      buildMs: number;
      /** Where the time went, step by step. */
      phases: ReloadPhases;
      /** `performance.now()` when the save's first file event arrived (when the reload was asked for, for `reload()`). */
      changedAt: number;
      /** `performance.now()` when the last front switched to its new process: from then on, calls get the new code. */
      servedAt: number;
    }
  /** The build failed (`diagnostics`) or cannot be served (`message`); the last good processes keep serving. */
  | { kind: "build-failed"; files: string[]; diagnostics: Diagnostic[]; message?: string; /** From the save until the failure was known. */ ms: number };

/** The steps of one reload, in ms; each starts where the previous one ended. */
export interface ReloadPhases {
  /** First file event → rebuild start: the quiet time that ends a burst of events, plus any reload still running. */
  waitMs: number;
  /** Analysis and type check. */
  compileMs: number;
  /** Validators, bundles and the other artifacts, in memory. */
  emitMs: number;
  /** Writing the build's folder. */
  writeMs: number;
  /** Of the new process ready last: spawn → it reports listening (Node's start, loading the bundle, constructing the Chainlet). */
  startMs: number;
  /** Of that process: listening → ready (its readiness known to `chains serve`) → its front switched. */
  readyMs: number;
  /** After the switch, off the path to the new answer: the old processes drain and exit. */
  retireMs: number;
}

export interface WatchedChain {
  ir: ChainIR;
  /** The entrypoint's stable URL. */
  url: string;
  /** Stable URLs and current pids. */
  chainlets: Record<string, ServedChainlet>;
  /** The internal token every Chainlet accepts. */
  token: string;
  /** Diagnostics (warnings) of the first build. */
  diagnostics: Diagnostic[];
  /** Rebuilds now as if `files` had changed (at `changedAt`, default now); resolves when the reload is done (used by tests and the bench). */
  reload(files: string[], changedAt?: number): Promise<ReloadEvent>;
  stop(): Promise<void>;
}

/** The folder of the work folder holding the {@link OutputStore} (the generations are `g1`, `g2`, …). */
const STORE_DIR = "kept";

interface Live {
  running: Running;
  fingerprint: string;
  chainDir: string;
}

/** The first build of `chains serve --watch` failed: nothing runs. */
export class WatchStartError extends Error {
  constructor(
    message: string,
    readonly diagnostics: Diagnostic[] = [],
  ) {
    super(message);
  }
}

/**
 * `chains serve --watch`: builds and serves the chain behind one stable front per Chainlet, watches the
 * program's files (as the compiler saw them), every data folder and the tsconfig/package.json in force,
 * and on a change rebuilds (with the compiler's warm project) and replaces only the processes whose
 * build fingerprint changed. A build with errors or a Chainlet that fails to start leaves the last good
 * processes serving.
 */
export async function watchServe(options: WatchServeOptions): Promise<WatchedChain> {
  const token = options.token ?? randomBytes(32).toString("base64url");
  const fronts = new Map<string, ServeFront>();
  const live = new Map<string, Live>();
  const chainlets: Record<string, ServedChainlet> = {};
  let ir: ChainIR | undefined;
  let generation = 0;
  let stopping = false;
  let watcher: FileWatcher | undefined;
  let watched: WatchSet = { files: [options.entry], folders: [] };
  let warnings: Diagnostic[] = [];
  const cache = new EmitCache();
  // Each generation links the Chainlet contexts and clients it shares with earlier ones instead of writing them again.
  const store = new OutputStore(join(options.workDir, STORE_DIR));
  // One Node process kept booted for the next reload's first new Chainlet (see `chainlet-standby.ts`).
  // Without one (its script could not be prepared, it did not boot, it ended), Chainlets start as `node server.mjs`.
  const script = standbyScript(options.workDir).catch(() => undefined);
  let standby: Standby | undefined;
  const keepStandby = async () => {
    const file = await script;
    if (!standby && !stopping && file) standby = spawnStandby(file, { ...process.env, ...options.env }, spawnNode);
  };
  const takeStandby = async (): Promise<Standby | undefined> => {
    const taken = standby;
    standby = undefined;
    const booted = await taken?.waiting.then(() => true, () => false);
    return booted && taken!.child.exitCode === null && taken!.child.signalCode === null ? taken : undefined;
  };

  const retire = async (r: Running) => {
    r.replaced.value = true;
    r.child.kill("SIGTERM");
    const kill = setTimeout(() => r.child.kill("SIGKILL"), 40_000);
    await r.exited;
    clearTimeout(kill);
  };

  /** Starts one Chainlet's new process and resolves once it is ready, with when it was spawned and listening. */
  const start = async (next: ChainIR, chainDir: string, name: string): Promise<{ r: Running; spawnedAt: number; listeningAt: number }> => {
    const chainlet = next.chainlets.find((c) => c.name === name)!;
    const dependencies = Object.fromEntries(chainlet.dependencies.map((d) => [d, fronts.get(d)!.url]));
    const env = chainletEnv(next, chainlet, { chainDir, env: options.env, apiKeys: options.apiKeys }, { token, dependencies, port: 0 });
    const spawnedAt = performance.now();
    const r = await spawnChainlet(chainlet, env, { chainDir, onLog: options.onLog, onExit: options.onExit }, () => stopping, await takeStandby());
    const listeningAt = performance.now();
    try {
      await waitReady(r, options.readyTimeoutMs ?? 60_000);
    } catch (error) {
      r.replaced.value = true;
      r.child.kill("SIGKILL");
      throw error;
    }
    return { r, spawnedAt, listeningAt };
  };

  const watchSet = (sourceFiles: string[], next: ChainIR | undefined, chainDir: string | undefined, keepFolders: string[] = []): WatchSet => {
    const config = ["tsconfig.json", "package.json"].map((name) => findUp(dirname(options.entry), [name])).filter((f): f is string => !!f);
    const folders =
      next && chainDir
        ? next.chainlets
            .filter((c) => c.config.dockerImage.dataDir !== null)
            .map((c) => join(chainDir, next.projectRoot, dirname(c.file), c.config.dockerImage.dataDir!))
        : keepFolders;
    return { files: [...new Set([options.entry, ...sourceFiles, ...config])], folders };
  };

  const collect = () => {
    const inUse = new Set([...live.values()].map((l) => dirname(l.chainDir)));
    for (let g = 1; g <= generation; g++) {
      const dir = join(options.workDir, `g${g}`);
      if (!inUse.has(dir)) rmSync(dir, { recursive: true, force: true });
    }
    store.keepOnly([...live.values()].map((l) => l.chainDir));
  };

  const rebuild = async (files: string[], changedAt: number): Promise<ReloadEvent> => {
    const began = performance.now();
    const outDir = join(options.workDir, `g${++generation}`);
    let built: Awaited<ReturnType<typeof buildChain>>;
    try {
      built = await buildChain(options.entry, { outDir, entrypoint: options.entrypoint, cache, store });
    } catch (error) {
      // A compiler bug must not end the session: report it and keep the last good chain.
      collect();
      const message = `internal error while rebuilding, please report it:\n${(error as Error).stack ?? String(error)}`;
      return { kind: "build-failed", files, diagnostics: [], message, ms: performance.now() - changedAt };
    }
    const next = built.ok ? (JSON.parse(readFileSync(join(built.chainDir, "chain.json"), "utf8")) as ChainIR) : undefined;
    // A failed build keeps watching the data folders of the last good one; its file list is the compiler's.
    watched = watchSet(built.sourceFiles, next, built.ok ? built.chainDir : undefined, next ? undefined : watched.folders);
    watcher?.update(watched);
    warnings = built.diagnostics;
    if (!built.ok || !next) {
      collect();
      return { kind: "build-failed", files, diagnostics: built.diagnostics, ms: performance.now() - changedAt };
    }
    const missing = missingServeSecrets(next, { ...process.env, ...options.env });
    if (missing.length > 0) {
      collect();
      return { kind: "build-failed", files, diagnostics: [], message: describeMissingSecrets(missing), ms: performance.now() - changedAt };
    }
    const before = new Map([...live].map(([name, l]) => [name, l.fingerprint]));
    const prints = chainletFingerprints(next);
    const plan = planReload(before, prints);
    const builtAt = performance.now();
    const buildMs = builtAt - began;
    options.onBuild?.(next);
    const state = options.onChainletState ?? (() => {});
    for (const name of plan.added) {
      const port = name === next.entrypoint ? options.port : 0;
      fronts.set(name, await startServeFront(name, port));
    }
    const failed: { chainlet: string; reason: string }[] = [];
    const replaced: string[] = [];
    // The process switched in last sets when the new chain serves; retiring the old ones comes after.
    let last = { spawnedAt: builtAt, listeningAt: builtAt, servedAt: builtAt };
    const retiring: Promise<void>[] = [];
    await Promise.all(
      [...plan.added, ...plan.changed].map(async (name) => {
        const old = live.get(name);
        state(name, old ? "restarting" : "starting", {});
        let started: Awaited<ReturnType<typeof start>>;
        try {
          started = await start(next, built.chainDir, name);
        } catch (error) {
          const reason = (error as Error).message;
          failed.push({ chainlet: name, reason });
          if (old) state(name, "ready", { reason: `the new process did not start, the previous one keeps serving: ${reason}`, url: fronts.get(name)!.url });
          else state(name, "failed", { reason });
          return;
        }
        const { r } = started;
        live.set(name, { running: r, fingerprint: prints.get(name)!, chainDir: built.chainDir });
        fronts.get(name)!.switchTo(r.url);
        const servedAt = performance.now();
        if (servedAt > last.servedAt) last = { ...started, servedAt };
        chainlets[name] = { name, url: fronts.get(name)!.url, pid: r.child.pid ?? -1 };
        state(name, "ready", { url: chainlets[name].url });
        if (old) {
          replaced.push(name);
          retiring.push(retire(old.running));
        }
      }),
    );
    const settled = performance.now();
    await Promise.all(retiring);
    for (const name of plan.removed) {
      const old = live.get(name)!;
      live.delete(name);
      delete chainlets[name];
      await retire(old.running);
      await fronts.get(name)!.close();
      fronts.delete(name);
    }
    if (failed.length === 0) ir = next;
    collect();
    const ended = performance.now();
    await keepStandby();
    const phases: ReloadPhases = {
      waitMs: began - changedAt,
      compileMs: built.timings.compileMs,
      emitMs: built.timings.emitMs ?? 0,
      writeMs: built.timings.writeMs ?? 0,
      startMs: last.listeningAt - last.spawnedAt,
      readyMs: last.servedAt - last.listeningAt,
      retireMs: ended - last.servedAt,
    };
    const restarted = replaced.sort();
    return { kind: "reloaded", files, restarted, added: plan.added, removed: plan.removed, failed, ms: settled - changedAt, buildMs, phases, changedAt, servedAt: last.servedAt };
  };

  const stop = async () => {
    stopping = true;
    watcher?.close();
    const spare = standby?.child;
    if (spare && spare.exitCode === null && spare.signalCode === null) {
      spare.kill("SIGKILL");
      await new Promise((resolve) => spare.once("exit", resolve));
    }
    // Callers first, so each drains its in-flight calls while its dependencies still answer.
    const order = ir ? startOrder(ir).map((c) => c.name).reverse() : [];
    for (const name of [...order, ...[...live.keys()].filter((n) => !order.includes(n))]) {
      const l = live.get(name);
      if (l) await retire(l.running);
    }
    live.clear();
    for (const front of fronts.values()) await front.close();
    await cache.dispose();
    rmSync(options.workDir, { recursive: true, force: true });
  };

  // Reloads run one at a time; changes that arrive during one are batched into the next.
  let queue: Promise<unknown> = Promise.resolve();
  const reload = (files: string[], changedAt = performance.now()): Promise<ReloadEvent> => {
    const run = queue.then(() => rebuild(files, changedAt));
    queue = run.catch(() => undefined);
    return run;
  };

  const first = await reload([options.entry]).catch(async (error) => {
    await stop();
    throw error;
  });
  if (first.kind === "build-failed" || first.failed.length > 0 || !ir) {
    await stop();
    if (first.kind === "build-failed") throw new WatchStartError(first.message ?? "the chain does not build", first.diagnostics);
    throw new WatchStartError(first.failed.map((f) => f.reason).join("\n"));
  }
  const initial = ir as ChainIR;
  watcher = watchFiles(
    watched,
    (files, changedAt) => void reload(files, changedAt).then((event) => options.onReload?.(event)),
    options.debounceMs,
  );
  return {
    get ir() {
      return ir!;
    },
    url: fronts.get(initial.entrypoint)!.url,
    chainlets,
    token,
    diagnostics: warnings,
    reload,
    stop,
  };
}
