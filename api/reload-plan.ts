import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { ChainIR } from "../compiler/chain-ir.js";

/**
 * A fingerprint of everything one Chainlet's process runs from: every file of its build context
 * (`server.mjs`, schemas, data, package.json, Dockerfile which carries its config) plus the names of
 * the Chainlets it calls. Equal fingerprints mean the running process is still the right one.
 */
export function chainletFingerprints(ir: ChainIR, chainDir: string): Map<string, string> {
  const prints = new Map<string, string>();
  for (const chainlet of ir.chainlets) {
    const hash = createHash("sha256");
    hash.update(JSON.stringify({ dependencies: chainlet.dependencies, entrypoint: chainlet.isEntrypoint }));
    const root = join(chainDir, "chainlets", chainlet.name);
    for (const file of listFiles(root)) {
      hash.update(`\0${relative(root, file)}\0`);
      hash.update(readFileSync(file));
    }
    prints.set(chainlet.name, hash.digest("hex"));
  }
  return prints;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
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
