import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ChainIR } from "../../compiler/chain-ir.js";
import { compileChain } from "../../compiler/compile-chain.js";
import { formatDiagnostics } from "../../compiler/diagnostics.js";
import { emitChain } from "../../emitters/emit-chain.js";
import type { EmittedFile } from "../../emitters/emitted-file.js";
import { writeEmitted } from "./served-context.js";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface BuiltFixture {
  ir: ChainIR;
  outDir: string;
  chainDir: string;
  files: EmittedFile[];
  /** The text of an emitted file, by its path relative to the chain folder. */
  text(path: string): string;
}

/**
 * Compiles `fixtures/<name>/chain.ts` (or the chain file at `entry`, relative to the repo) and emits its
 * artifacts into a fresh temp folder (written to disk too).
 */
export async function buildFixture(name: string, entry = join("fixtures", name, "chain.ts")): Promise<BuiltFixture> {
  const outDir = mkdtempSync(join(tmpdir(), "tschains-out-"));
  const { ir, diagnostics } = compileChain(join(repoRoot, entry));
  if (!ir) throw new Error(formatDiagnostics(diagnostics, { color: false, cwd: repoRoot }));
  const chainDir = join(outDir, ir.name);
  const files = await emitChain(ir, { chainDir });
  writeEmitted(files, chainDir);
  return {
    ir,
    outDir,
    chainDir,
    files,
    text(path) {
      const file = files.find((each) => each.path === path);
      if (!file) throw new Error(`not emitted: ${path}`);
      return typeof file.contents === "string" ? file.contents : Buffer.from(file.contents).toString("utf8");
    },
  };
}
