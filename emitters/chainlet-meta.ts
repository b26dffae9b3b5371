import type { ChainIR, ChainletIR } from "../compiler/chain-ir.js";
import type { ChainletMeta } from "../runtime-node/server/chainlet-meta.js";

/**
 * What a served Chainlet knows about itself, embedded in its bundle as a JSON literal. Structurally
 * the runtime's `ChainletMeta`: a subset of the IR plus the chain name, and for every dependency only
 * what its stub needs to call it (parameter names in order, whether it streams).
 */
export interface EmittedChainletMeta extends ChainletMeta {
  name: string;
  chain: string;
  /** For log lines and error messages. */
  className: string;
  isEntrypoint: boolean;
  runRemote: ChainletIR["runRemote"];
  injections: ChainletIR["injections"];
  hasIsHealthy: boolean;
  config: ChainletIR["config"];
  dependencies: Record<string, { parameters: string[]; streaming: boolean }>;
}

/** Builds the meta of `chainlet` from the IR. */
export function chainletMeta(ir: ChainIR, chainlet: ChainletIR): EmittedChainletMeta {
  const dependencies: EmittedChainletMeta["dependencies"] = {};
  for (const name of chainlet.dependencies) {
    const dependency = findChainlet(ir, name);
    dependencies[name] = {
      parameters: dependency.runRemote.parameters.map((parameter) => parameter.name),
      streaming: dependency.runRemote.streaming,
    };
  }
  return {
    name: chainlet.name,
    chain: ir.name,
    className: chainlet.className,
    isEntrypoint: chainlet.isEntrypoint,
    runRemote: chainlet.runRemote,
    injections: chainlet.injections,
    hasIsHealthy: chainlet.hasIsHealthy,
    config: chainlet.config,
    dependencies,
  };
}

/** The Chainlet called `name`; the IR is closed over dependencies, so a miss is a compiler bug. */
export function findChainlet<T extends Pick<ChainletIR, "name">>(ir: { chainlets: readonly T[] }, name: string): T {
  const found = ir.chainlets.find((chainlet) => chainlet.name === name);
  if (!found) throw new Error(`Chain IR is inconsistent: Chainlet "${name}" is referenced but not listed.`);
  return found;
}
