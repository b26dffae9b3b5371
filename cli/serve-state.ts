import { createHash } from "node:crypto";
import { chmodSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join, resolve } from "node:path";
import type { ChainIR } from "../compiler/chain-ir.js";
import { exampleValue } from "./example-value.js";

/**
 * What a running `chains serve` tells `chains call`: where the chain answers and the credentials to call
 * it. Private to the user (folder 0700, file 0600) because it holds the chain's internal token.
 */
export interface ServeState {
  /** Absolute path of what was served (the entry `.ts` or the chain folder). */
  target: string;
  /** The `chains serve` process; a state file whose pid is gone is stale. */
  pid: number;
  chain: string;
  entrypoint: string;
  /** Entrypoint URL. */
  url: string;
  /** Chainlet name → URL. */
  chainlets: Record<string, string>;
  /** The internal token every Chainlet accepts. */
  token: string;
  /** One of the `--api-key`s the entrypoint requires, if any. */
  apiKey?: string;
  /** Chainlet name → an example request body generated from its input schema. */
  examples?: Record<string, unknown>;
}

/** `$XDG_RUNTIME_DIR/tschains` (per user by definition), else `<tmp>/tschains-<uid>`. */
export function serveStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, "tschains") : join(tmpdir(), `tschains-${userInfo().uid}`);
}

/** The state file of `target`: one per served entry, named by a hash of its absolute path. */
export function serveStatePath(target: string, env: NodeJS.ProcessEnv = process.env): string {
  const key = createHash("sha256").update(resolve(target)).digest("hex").slice(0, 32);
  return join(serveStateDir(env), `serve-${key}.json`);
}

/** Writes the state atomically (a reader never sees half a file); returns a function that removes it. */
export function writeServeState(state: ServeState, env: NodeJS.ProcessEnv = process.env): () => void {
  const dir = serveStateDir(env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // A folder someone else made (or a symlink planted in a shared /tmp) must not receive the token.
  const info = lstatSync(dir);
  if (!info.isDirectory() || info.uid !== userInfo().uid) throw new Error(`${dir} is not a folder owned by you; refusing to write the serve state there`);
  chmodSync(dir, 0o700);
  const path = serveStatePath(state.target, env);
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(state, null, 2) + "\n", { mode: 0o600 });
  renameSync(temp, path);
  return () => {
    // Only our own file: a newer serve of the same entry may have replaced it.
    if (readServeState(state.target, env)?.pid === state.pid) rmSync(path, { force: true });
  };
}

const MAX_STATE_BYTES = 1024 * 1024;

/** The state of the serve running for `target`, or undefined when none runs (a stale file is removed). */
export function readServeState(target: string, env: NodeJS.ProcessEnv = process.env): ServeState | undefined {
  const path = serveStatePath(target, env);
  let state: ServeState;
  try {
    if (lstatSync(path).size > MAX_STATE_BYTES) return undefined;
    state = JSON.parse(readFileSync(path, "utf8")) as ServeState;
  } catch {
    return undefined;
  }
  if (typeof state?.pid !== "number" || typeof state.url !== "string" || !isAlive(state.pid)) {
    rmSync(path, { force: true });
    return undefined;
  }
  return state;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** What `chains serve` (with or without `--watch`) knows of the chain it runs. */
export interface ServedChainView {
  ir: ChainIR;
  url: string;
  chainlets: Record<string, { name: string; url: string }>;
  token: string;
}

/** The state of `served` for `target`, with an example body per Chainlet for `chains call` without `--data`. */
export function serveStateOf(target: string, served: ServedChainView, apiKeys: string[] | undefined): ServeState {
  return {
    target: resolve(target),
    pid: process.pid,
    chain: served.ir.name,
    entrypoint: served.ir.entrypoint,
    url: served.url,
    chainlets: Object.fromEntries(Object.values(served.chainlets).map((c) => [c.name, c.url])),
    token: served.token,
    apiKey: apiKeys?.[0],
    examples: Object.fromEntries(served.ir.chainlets.map((c) => [c.name, exampleValue(c.schemas.input)])),
  };
}
