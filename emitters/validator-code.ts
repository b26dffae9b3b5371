import type { ChainIR } from "../compiler/chain-ir.js";
import { clientValidatorCode } from "./emit-client-validator.js";
import type { EmitCache } from "./emit-cache.js";
import { createValidatorsEmitter, type ValidatorSource } from "./emit-validators.js";

/** The generated validator code of a chain's Chainlets, each by Chainlet name. */
export interface ValidatorCode {
  /** The served Chainlet's validators module (see `emitValidatorsModule`). */
  served: Map<string, string>;
  /** The CommonJS output validator of the Chainlet's client package (see `clientValidatorCode`). */
  client: Map<string, string>;
}

/**
 * Every validator of the chain whose Chainlets are `chainlets` (in the IR's order, which fixes ajv's
 * generated names): ajv's code generation, the slow part of emitting. A pure function of its input, so it
 * gives the same text wherever it runs (`validator-code-worker.ts` runs it on a worker thread).
 */
export function generateValidatorCode(chainlets: readonly ValidatorSource[]): ValidatorCode {
  const emitter = createValidatorsEmitter(chainlets);
  return {
    served: new Map(chainlets.map((chainlet) => [chainlet.name, emitter.moduleFor(chainlet)])),
    client: new Map(chainlets.map((chainlet) => [chainlet.name, clientValidatorCode(chainlet)])),
  };
}

/** The key of what {@link generateValidatorCode} reads: equal keys, equal code. */
export function validatorCodeKey(chainlets: readonly ValidatorSource[]): string {
  return JSON.stringify(chainlets.map((chainlet) => [chainlet.name, chainlet.dependencies, chainlet.schemas]));
}

/**
 * The validator code of `ir`'s Chainlets, generated in this thread when first asked for (kept in `cache`
 * across builds while the schemas are the same): for emitters run without `buildChain`, which generates
 * it on a worker thread during the type check instead.
 */
export function validatorCodeOnDemand(ir: ChainIR, cache?: EmitCache): () => Promise<ValidatorCode> {
  const generate = async (chainlets: readonly ValidatorSource[]) => generateValidatorCode(chainlets);
  let code: Promise<ValidatorCode> | undefined;
  return () => (code ??= cache ? cache.validatorCode(ir.chainlets, generate) : generate(ir.chainlets));
}
