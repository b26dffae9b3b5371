import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import type { ChainIR } from "../compiler/chain-ir.js";
import { emitValidatorsModule } from "../emitters/emit-validators.js";
import type { ChainletValidators } from "../runtime-node/server/chainlet-meta.js";
import { benchTmpDir, repoRoot } from "./paths.js";

/**
 * Loads the precompiled validators a built Chainlet's bundle contains: the emitter's ajv standalone
 * module for it, bundled (to inline ajv's runtime helpers, as `chains build` does) and imported.
 */
export async function loadChainletValidators(chainDir: string, chainletName: string): Promise<ChainletValidators> {
  const ir = JSON.parse(readFileSync(join(chainDir, "chain.json"), "utf8")) as ChainIR;
  const chainlet = ir.chainlets.find((c) => c.name === chainletName);
  if (!chainlet) throw new Error(`no Chainlet "${chainletName}" in ${chainDir}`);
  const dir = join(benchTmpDir, "validators");
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, `${ir.name}-${chainlet.name}.mjs`);
  await build({
    stdin: { contents: emitValidatorsModule(ir, chainlet), resolveDir: repoRoot, loader: "js", sourcefile: "validators.generated.js" },
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "silent",
  });
  return (await import(pathToFileURL(outfile).href)) as ChainletValidators;
}
