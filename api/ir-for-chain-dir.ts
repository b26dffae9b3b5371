import { relative, resolve } from "node:path";
import type { ChainIR } from "../compiler/chain-ir.js";

/**
 * The IR as `chain.json` stores it in `chainDir` (`<out>/<chain>/`): the compiler gives an absolute
 * `projectRoot`; the written file keeps it relative so an output folder moved together with its project
 * still resolves.
 */
export function irForChainDir(ir: ChainIR, chainDir: string): ChainIR {
  const projectRoot = relative(chainDir, resolve(ir.projectRoot)).split("\\").join("/") || ".";
  return { ...ir, projectRoot };
}
