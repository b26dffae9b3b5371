import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildChain } from "../api/build-chain.js";
import type { ChainIR } from "../compiler/chain-ir.js";

/** One build of a variant of a chain. */
export interface BuiltVariant {
  ir: ChainIR;
  chainDir: string;
  /** The text of a file of the build, relative to the chain folder. */
  file(path: string): string;
}

/**
 * Builds variants of a chain's source in `scratch` (a folder inside the repository, so `"tschains"`
 * resolves): each variant is written to the same `project/chain.ts` — the source path is part of the
 * build (source maps) — and built into its own `out-<variant>/`. Call it sequentially.
 */
export function variantBuilder(scratch: string): (variant: string, source: string, tag?: string) => Promise<BuiltVariant> {
  return async (variant, source, tag) => {
    const project = join(scratch, "project");
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, "chain.ts"), source);
    const result = await buildChain(join(project, "chain.ts"), { outDir: join(scratch, `out-${variant}`), tag });
    if (!result.ok) throw new Error(`building ${variant} failed: ${JSON.stringify(result.diagnostics)}`);
    const ir = JSON.parse(readFileSync(join(result.chainDir, "chain.json"), "utf8")) as ChainIR;
    return { ir, chainDir: result.chainDir, file: (path) => readFileSync(join(result.chainDir, path), "utf8") };
  };
}
