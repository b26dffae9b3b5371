import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { request } from "undici";
import type { ChainIR, ChainletIR } from "../compiler/chain-ir.js";
import { ENV } from "../runtime-node/protocol/env.js";
import { READYZ_PATH } from "../runtime-node/protocol/http.js";
import { CONSTRUCTOR_FAILED_REASON, LISTENING_MESSAGE, type ListeningMessage, type Readiness } from "../runtime-node/protocol/readiness.js";
import { readWholeBody, type BodyLimit } from "../runtime-node/wire/aligned-body.js";
import { CHAINLET_SERVER_FILE, CHAINLETS_DIR } from "../emitters/context-files.js";
import { becomeChainlet, type Standby } from "./chainlet-standby.js";
import { describeMissingSecrets, missingServeSecrets, scopeSecretEnv } from "./serve-secrets.js";

/** One line a Chainlet process wrote, for the caller to print or collect. */
export interface ChainletLogLine {
  chainlet: string;
  stream: "stdout" | "stderr";
  line: string;
}

/** How the Chainlet processes of a served chain run, whether served once or rebuilt on change. */
export interface ChainProcessOptions {
  /** Port of the entrypoint; 0 (default) lets the OS pick. Other Chainlets always get OS-picked ports. */
  port?: number;
  /** Keys outside callers must present to the entrypoint; none means the loopback entrypoint is open. */
  apiKeys?: string[];
  /** Extra environment for every process (secrets as `CHAINS_SECRET_<KEY>`, `CHAINS_ENVIRONMENT`, ...). */
  env?: Record<string, string | undefined>;
  onLog?: (line: ChainletLogLine) => void;
  /** Called when a Chainlet process ends on its own while the chain is served (not during `stop()`). */
  onExit?: (event: { chainlet: string; code: number | null; signal: string | null; lastLines: string[] }) => void;
  /** How long every Chainlet gets to become ready (default 60 s). */
  readyTimeoutMs?: number;
}

export interface ServeChainOptions extends ChainProcessOptions {
  /** `<out>/<chain>/`, the folder holding `chain.json` and `chainlets/`. */
  chainDir: string;
  /** The internal token the Chainlets share (default: a fresh random one). */
  token?: string;
}

/** Where a Chainlet is in its life under `chains serve` (`restarting`: a new process is starting under `--watch`). */
export type ChainletState = "starting" | "ready" | "failed" | "restarting";

export interface ServedChainlet {
  name: string;
  url: string;
  pid: number;
}

export interface ServedChain {
  ir: ChainIR;
  /** Base URL of the entrypoint. */
  url: string;
  chainlets: Record<string, ServedChainlet>;
  /** The internal token every Chainlet of this chain accepts (for `chains call --chainlet`). */
  token: string;
  /**
   * Starts Chainlet `name` again on the port it had, with the same environment (dependencies' URLs,
   * token, secrets), after stopping it if it still runs (SIGTERM, then SIGKILL after 10 s). Resolves
   * once it answers `/readyz`; its callers reconnect on their own. `chainlets[name].pid` is updated.
   */
  restart(name: string): Promise<ServedChainlet>;
  /**
   * SIGTERM to every process, callers before their dependencies (each drains its in-flight calls
   * before the Chainlets it calls are stopped); SIGKILL to what still runs after 40 s.
   */
  stop(): Promise<void>;
}

/** One Chainlet process started by `spawnChainlet`. */
export interface Running {
  chainlet: ChainletIR;
  child: ChildProcess;
  url: string;
  lastLines: string[];
  exited: Promise<void>;
  /** The environment it was spawned with, to restart it identically. */
  env: Record<string, string | undefined>;
  /** Set when `restart` stops it on purpose, so its exit is not reported to `onExit`. */
  replaced: { value: boolean };
  /** Its readiness as it reported it with its URL, when it could tell without asking its `isHealthy()`. */
  announced?: Readiness;
}

const LAST_LINES = 20;

/**
 * Starts every Chainlet of a built chain as its own `node server.mjs` process on 127.0.0.1, dependencies
 * first so each process starts with its dependencies' URLs, all sharing a fresh internal token; resolves
 * once every process answers `/readyz`. On any failure it stops what it started and rejects with a
 * message naming the Chainlet and why.
 */
export async function serveChain(options: ServeChainOptions): Promise<ServedChain> {
  const ir = JSON.parse(readFileSync(join(options.chainDir, "chain.json"), "utf8")) as ChainIR;
  const missing = missingServeSecrets(ir, { ...process.env, ...options.env });
  if (missing.length > 0) throw new Error(describeMissingSecrets(missing));
  const token = options.token ?? randomBytes(32).toString("base64url");
  const running = new Map<string, Running>();
  let stopping = false;

  const stop = async () => {
    stopping = true;
    const deadline = setTimeout(() => {
      for (const r of running.values()) r.child.kill("SIGKILL");
    }, 40_000);
    // Callers first, each drained before its dependencies get SIGTERM: a dependency that stopped
    // first would refuse (503) the calls its callers' in-flight requests still have to make.
    for (const r of [...running.values()].reverse()) {
      r.child.kill("SIGTERM");
      await r.exited;
    }
    clearTimeout(deadline);
  };

  try {
    for (const chainlet of startOrder(ir)) {
      const r = await startChainlet(ir, chainlet, options, token, running, () => stopping);
      running.set(chainlet.name, r);
    }
    await Promise.all([...running.values()].map((r) => waitReady(r, options.readyTimeoutMs ?? 60_000)));
  } catch (error) {
    await stop();
    throw error;
  }

  const chainlets: Record<string, ServedChainlet> = {};
  for (const [name, r] of running) chainlets[name] = { name, url: r.url, pid: r.child.pid ?? -1 };

  const restart = async (name: string): Promise<ServedChainlet> => {
    const previous = running.get(name);
    if (!previous) throw new Error(`no Chainlet "${name}" in chain "${ir.name}"; it has ${[...running.keys()].join(", ")}`);
    if (stopping) throw new Error(`chain "${ir.name}" is stopping; cannot restart "${name}"`);
    if (previous.child.exitCode === null && previous.child.signalCode === null) {
      previous.replaced.value = true;
      previous.child.kill("SIGTERM");
      const kill = setTimeout(() => previous.child.kill("SIGKILL"), 10_000);
      await previous.exited;
      clearTimeout(kill);
    }
    const env = { ...previous.env, [ENV.port]: new URL(previous.url).port };
    const r = await spawnChainlet(previous.chainlet, env, options, () => stopping);
    running.set(name, r);
    await waitReady(r, options.readyTimeoutMs ?? 60_000);
    chainlets[name] = { name, url: r.url, pid: r.child.pid ?? -1 };
    return chainlets[name];
  };

  return { ir, url: running.get(ir.entrypoint)!.url, chainlets, token, restart, stop };
}

/** Dependencies before their callers, so every process starts with its dependencies' URLs. */
export function startOrder(ir: ChainIR): ChainletIR[] {
  const byName = new Map(ir.chainlets.map((c) => [c.name, c]));
  const ordered: ChainletIR[] = [];
  const seen = new Set<string>();
  const visit = (c: ChainletIR) => {
    if (seen.has(c.name)) return;
    seen.add(c.name);
    for (const dep of c.dependencies) visit(byName.get(dep)!);
    ordered.push(c);
  };
  for (const c of ir.chainlets) visit(c);
  return ordered;
}

async function startChainlet(
  ir: ChainIR,
  chainlet: ChainletIR,
  options: ServeChainOptions,
  token: string,
  running: Map<string, Running>,
  isStopping: () => boolean,
): Promise<Running> {
  const dependencies = Object.fromEntries(chainlet.dependencies.map((d) => [d, running.get(d)!.url]));
  const port = chainlet.name === ir.entrypoint ? (options.port ?? 0) : 0;
  return spawnChainlet(chainlet, chainletEnv(ir, chainlet, options, { token, dependencies, port }), options, isStopping);
}

/**
 * The environment of one Chainlet process: the caller's environment with only this Chainlet's secrets,
 * loopback, its dependencies' URLs, the chain's internal token and its data folder; the entrypoint also
 * gets the outside callers' keys (or is public on loopback).
 */
export function chainletEnv(
  ir: ChainIR,
  chainlet: ChainletIR,
  options: Pick<ServeChainOptions, "chainDir" | "env" | "apiKeys">,
  wiring: { token: string; dependencies: Record<string, string>; port: number },
): Record<string, string | undefined> {
  const dataDir = join(options.chainDir, CHAINLETS_DIR, chainlet.name, "data");
  const env: Record<string, string | undefined> = {
    ...scopeSecretEnv({ ...process.env, ...options.env }, chainlet),
    [ENV.host]: "127.0.0.1",
    [ENV.port]: String(wiring.port),
    [ENV.dependencies]: JSON.stringify(wiring.dependencies),
    [ENV.authToken]: wiring.token,
    [ENV.dataDir]: chainlet.config.dockerImage.dataDir && existsSync(dataDir) ? dataDir : undefined,
    [ENV.buildId]: chainlet.buildId,
  };
  if (chainlet.name === ir.entrypoint) {
    if (options.apiKeys && options.apiKeys.length > 0) env[ENV.apiKeys] = options.apiKeys.join(",");
    else env[ENV.entrypointPublic] = "1";
  }
  return env;
}

/**
 * Starts `node <args>` as a Chainlet process is started: stdout and stderr piped, an IPC channel, its
 * own process group, killed if `chains serve` exits without stopping it.
 */
export function spawnNode(args: string[], env: Record<string, string | undefined>, cwd?: string): ChildProcess {
  // No `--enable-source-maps`: parsing the bundle's map at start costs ≈ 50 ms and 15 MB, and error
  // envelopes map their stack frames to `.ts` lines themselves, loading the map on the first error.
  const child = spawn(process.execPath, args, {
    cwd,
    env,
    stdio: ["ignore", "pipe", "pipe", "ipc"],
    // Its own process group: Ctrl-C in a terminal signals only `chains serve`, which then stops the
    // Chainlets callers-first instead of every process draining at once.
    detached: true,
  });
  const orphanGuard = () => child.kill("SIGKILL");
  process.once("exit", orphanGuard);
  child.once("exit", () => process.off("exit", orphanGuard));
  return child;
}

/**
 * Starts one Chainlet, as `node server.mjs` in its folder or by turning `standby` (already waiting,
 * see `chainlet-standby.ts`) into it, and resolves with the URL it reports once listening.
 */
export async function spawnChainlet(
  chainlet: ChainletIR,
  env: Record<string, string | undefined>,
  options: Pick<ServeChainOptions, "chainDir" | "onLog" | "onExit">,
  isStopping: () => boolean,
  standby?: Standby,
): Promise<Running> {
  const contextDir = join(options.chainDir, CHAINLETS_DIR, chainlet.name);
  const child = standby?.child ?? spawnNode([CHAINLET_SERVER_FILE], env, contextDir);
  if (standby) becomeChainlet(standby, contextDir, env);
  const lastLines: string[] = [];
  for (const stream of ["stdout", "stderr"] as const) {
    createInterface({ input: child[stream]! }).on("line", (line) => {
      lastLines.push(line);
      if (lastLines.length > LAST_LINES) lastLines.shift();
      options.onLog?.({ chainlet: chainlet.name, stream, line });
    });
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const replaced = { value: false };
  child.once("exit", (code, signal) => {
    if (!isStopping() && !replaced.value) options.onExit?.({ chainlet: chainlet.name, code, signal, lastLines: [...lastLines] });
  });

  const listening = await new Promise<ListeningMessage>((resolve, reject) => {
    const onExit = (code: number | null, signal: string | null) =>
      reject(new Error(`Chainlet "${chainlet.name}" exited before listening (${describeExit(code, signal)}):\n${lastLines.join("\n")}`));
    // A standby may have ended before it could be turned into this Chainlet.
    if (child.exitCode !== null || child.signalCode !== null) onExit(child.exitCode, child.signalCode);
    child.once("exit", onExit);
    child.on("message", (message: Partial<ListeningMessage> | null) => {
      if (message?.type === LISTENING_MESSAGE && typeof message.url === "string") {
        child.off("exit", onExit);
        resolve(message as ListeningMessage);
      }
    });
  });
  return { chainlet, child, url: listening.url, lastLines, exited, env, replaced, announced: listening.readiness };
}

/**
 * Resolves once the Chainlet is ready: at once when it said so with its URL, else by polling `/readyz`
 * until 200. A constructor that threw never recovers in that process, so it fails at once (with the
 * reason) instead of at the timeout.
 */
export async function waitReady(r: Running, timeoutMs: number): Promise<void> {
  if (r.announced?.ready) return;
  if (r.announced?.reason?.startsWith(CONSTRUCTOR_FAILED_REASON)) throw new NotReadyError(`Chainlet "${r.chainlet.name}" cannot start: ${r.announced.reason}`);
  const deadline = Date.now() + timeoutMs;
  let lastAnswer = "no answer yet";
  let pause = 5;
  while (Date.now() < deadline) {
    if (r.child.exitCode !== null || r.child.signalCode !== null) {
      throw new Error(`Chainlet "${r.chainlet.name}" exited (${describeExit(r.child.exitCode, r.child.signalCode)}):\n${r.lastLines.join("\n")}`);
    }
    try {
      const response = await request(`${r.url}${READYZ_PATH}`, { headersTimeout: 2_000, bodyTimeout: 2_000 });
      const body = (await readWholeBody(response.body, undefined, undefined, READYZ_LIMIT)).toString("utf8");
      if (response.statusCode === 200) return;
      lastAnswer = `${response.statusCode} ${body}`;
      const reason = notReadyReason(body);
      if (reason?.startsWith(CONSTRUCTOR_FAILED_REASON)) throw new NotReadyError(`Chainlet "${r.chainlet.name}" cannot start: ${reason}`);
    } catch (error) {
      if (error instanceof NotReadyError) throw error;
      lastAnswer = (error as Error).message;
    }
    // Short at first: a restart under --watch is usually ready within a few ms of listening.
    await new Promise((resolve) => setTimeout(resolve, (pause = Math.min(100, pause * 2))));
  }
  throw new Error(`Chainlet "${r.chainlet.name}" was not ready after ${timeoutMs} ms: ${lastAnswer}`);
}

class NotReadyError extends Error {}

/** A readiness answer is a short reason; a longer one is refused (and the rest never read). */
const READYZ_LIMIT: BodyLimit = { maxBytes: 16 * 1024, tooLarge: () => new Error(`${READYZ_PATH} answered more than 16 KiB`) };

function notReadyReason(body: string): string | undefined {
  try {
    const reason = (JSON.parse(body) as { reason?: unknown }).reason;
    return typeof reason === "string" ? reason : undefined;
  } catch {
    return undefined;
  }
}

export function describeExit(code: number | null, signal: string | null): string {
  return signal ? `killed by ${signal}` : `exit code ${code}`;
}
