/**
 * The protocol both sides of tschains share: what the runtime serves and what the compiler, the
 * emitters and the CLI describe or call. It imports nothing but itself.
 * @packageDocumentation
 */
export * from "./http.js";
export * from "./env.js";
export * from "./wire-types.js";
export * from "./gpus.js";
export * from "./error-envelope.js";
export * from "./runtime-errors.js";
