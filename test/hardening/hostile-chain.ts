import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ChainIR } from "../../compiler/chain-ir.js";
import { compileChain } from "../../compiler/compile-chain.js";
import type { Diagnostic } from "../../compiler/diagnostics.js";
import { repoRoot } from "../emitters/build-fixture.js";

/**
 * A scratch folder inside the repository (so `tschains` resolves and the repository is the project root),
 * under the git-ignored `test/.tmp/`. One per test file; `dispose` removes it.
 */
export function scratchFolder(prefix: string): { dir: string; dispose(): void } {
  mkdirSync(join(repoRoot, "test", ".tmp"), { recursive: true });
  const dir = mkdtempSync(join(repoRoot, "test", ".tmp", prefix));
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface HostileChain {
  /** Source text of `static override remoteConfig = …` (a TypeScript object literal). */
  remoteConfig?: string;
  /** The `@entrypoint("…")` chain name; default `Hostile`. */
  chainName?: string;
  /** The class name; default `Echo`. */
  className?: string;
}

/** Writes a one-Chainlet chain with the given hostile parts into `<dir>/<name>/chain.ts`; returns its path. */
export function writeHostileChain(dir: string, name: string, chain: HostileChain): string {
  const folder = join(dir, name);
  mkdirSync(folder, { recursive: true });
  const entry = join(folder, "chain.ts");
  writeFileSync(
    entry,
    [
      'import { ChainletBase, entrypoint } from "tschains";',
      "",
      `@entrypoint(${JSON.stringify(chain.chainName ?? "Hostile")})`,
      `export class ${chain.className ?? "Echo"} extends ChainletBase {`,
      ...(chain.remoteConfig ? [`  static override remoteConfig = ${chain.remoteConfig};`] : []),
      "  async runRemote(text: string): Promise<string> {",
      "    return text;",
      "  }",
      "}",
      "",
    ].join("\n"),
  );
  return entry;
}

/** Compiles `entry` (analysis only: nothing is written). */
export function compile(entry: string): { ir: ChainIR | null; diagnostics: Diagnostic[] } {
  return compileChain(entry);
}
