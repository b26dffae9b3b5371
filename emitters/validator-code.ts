import { clientValidatorCode } from "./emit-client-validator.js";
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
