import { chainValidators } from "../api/chain-validators.js";
import type { ChainletValidators } from "../runtime-node/server/chainlet-meta.js";

/**
 * Loads the precompiled validators a built Chainlet's bundle contains: the emitter's ajv standalone
 * module for it, bundled (to inline ajv's runtime helpers, as `chains build` does) and imported.
 */
export async function loadChainletValidators(chainDir: string, chainletName: string): Promise<ChainletValidators> {
  const chain = await chainValidators(chainDir);
  const chainlet = chain[chainletName];
  if (!chainlet) throw new Error(`no Chainlet "${chainletName}" in ${chainDir}`);
  return chainlet.validators;
}
