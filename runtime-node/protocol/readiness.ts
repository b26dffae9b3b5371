/**
 * The reasons `/readyz` gives for a 503 that will not clear by waiting: supervisors such as
 * `chains serve` read them to stop waiting at once and say why.
 */
import { ENV, secretEnvName } from "./env.js";

/** Prefix of the reason of a Chainlet whose constructor threw: that process never becomes ready. */
export const CONSTRUCTOR_FAILED_REASON = "constructor failed:";

/** The `/readyz` reason for a constructor that threw (`error` already redacted). */
export function constructorFailedReason(error: string | undefined): string {
  return `${CONSTRUCTOR_FAILED_REASON} ${error ?? "unknown error"}`;
}

/**
 * Why a Chainlet is not ready when declared secrets have no value: names each one and where it may come
 * from, so `/readyz` (503) explains the problem before any call fails with it.
 */
export function missingSecretsReason(chainlet: string, missing: readonly string[]): string {
  const list = missing.map((key) => `"${key}" (${secretEnvName(key)} or a file named ${key} in ${ENV.secretsDir})`).join(", ");
  return `declared secret${missing.length > 1 ? "s" : ""} of Chainlet "${chainlet}" without a value: ${list}`;
}
