import type { ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { CHAINLET_SERVER_FILE } from "../emitters/context-files.js";
import { siblingScript } from "../emitters/sibling-script.js";
import { SECRET_ENV_PREFIX } from "../runtime-node/protocol/env.js";
import { STANDBY_RUN, STANDBY_WAITING, type StandbyRun } from "./chainlet-standby-protocol.js";

/**
 * A Node process started before it is needed: booted, with the builtins a Chainlet server loads already
 * loaded, waiting to become a Chainlet (`chainlet-standby-main.ts`). `chains serve --watch` keeps one, so
 * a reload's new process skips Node's start (about half of a Chainlet's start on the 2-core machine).
 */
export interface Standby {
  child: ChildProcess;
  /** Resolves once it waits for its Chainlet; rejects when it exited first. */
  waiting: Promise<void>;
}

/** Starts a standby with `spawnNode` (see `serve-chain.ts`) and the environment every Chainlet shares, without any secret. */
export function spawnStandby(script: string, env: Record<string, string | undefined>, spawnNode: (args: string[], env: Record<string, string | undefined>) => ChildProcess): Standby {
  const shared = Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith(SECRET_ENV_PREFIX)));
  const child = spawnNode([script], shared);
  const waiting = new Promise<void>((resolve, reject) => {
    const exited = () => reject(new Error("the standby process exited before it was used"));
    child.once("exit", exited);
    child.on("message", function waits(message: { type?: string }) {
      if (message?.type !== STANDBY_WAITING) return;
      child.off("message", waits);
      child.off("exit", exited);
      resolve();
    });
  });
  // Nobody may ever wait on it (the watch stops first): its rejection is not an error then.
  waiting.catch(() => {});
  return { child, waiting };
}

/** Turns a waiting standby into the Chainlet whose `server.mjs` is in `contextDir`, with exactly `env`. */
export function becomeChainlet(standby: Standby, contextDir: string, env: Record<string, string | undefined>): void {
  const defined = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const message: StandbyRun = { type: STANDBY_RUN, cwd: contextDir, env: defined, entry: pathToFileURL(join(contextDir, CHAINLET_SERVER_FILE)).href };
  // A standby that has just ended is reported by the caller's exit check, not as an `error` event.
  standby.child.send(message, () => {});
}

/**
 * The runnable file of `chainlet-standby-main`: the compiled sibling `.js` when tschains runs from lib/;
 * from TypeScript sources (tests) its bundle, written into `workDir`.
 */
export async function standbyScript(workDir: string): Promise<string> {
  const script = await siblingScript(import.meta.url, "chainlet-standby-main", "esm");
  if (script.path !== undefined) return script.path;
  const outfile = join(workDir, "standby.mjs");
  mkdirSync(workDir, { recursive: true });
  writeFileSync(outfile, script.code);
  return outfile;
}
