import { createHash } from "node:crypto";
import type { ChainIR } from "../compiler/chain-ir.js";

/**
 * A fingerprint of everything one Chainlet's process runs from: its build id (a hash of exactly what
 * goes into its image: `server.mjs` and its map, data, package.json, the Dockerfile which carries its
 * config; see `emitters/build-id.ts`) plus the names of the Chainlets it calls. Equal fingerprints mean
 * the running process is still the right one. Taken from the IR, so no file is read back after a build.
 */
export function chainletFingerprints(ir: ChainIR): Map<string, string> {
  const prints = new Map<string, string>();
  for (const chainlet of ir.chainlets) {
    const hash = createHash("sha256");
    hash.update(JSON.stringify({ buildId: chainlet.buildId, dependencies: chainlet.dependencies, entrypoint: chainlet.isEntrypoint }));
    prints.set(chainlet.name, hash.digest("hex"));
  }
  return prints;
}

/** What a reload does to the running processes. */
export interface ReloadPlan {
  /** Chainlets new to the chain: start them. */
  added: string[];
  /** Chainlets whose fingerprint changed (code, config, data or wiring): replace their process. */
  changed: string[];
  /** Chainlets no longer in the chain: stop them. */
  removed: string[];
}

export function planReload(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): ReloadPlan {
  const added: string[] = [];
  const changed: string[] = [];
  for (const [name, print] of after) {
    if (!before.has(name)) added.push(name);
    else if (before.get(name) !== print) changed.push(name);
  }
  const removed = [...before.keys()].filter((name) => !after.has(name));
  return { added: added.sort(), changed: changed.sort(), removed: removed.sort() };
}
