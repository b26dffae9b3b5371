import type { ChainIR } from "../compiler/chain-ir.js";
import type { EmitCache } from "./emit-cache.js";
import type { ValidatorSource } from "./emit-validators.js";
import { generateValidatorCode, type ValidatorCode } from "./validator-code.js";

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
