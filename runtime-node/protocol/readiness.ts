/**
 * The reasons `/readyz` gives for a 503 that will not clear by waiting: supervisors such as
 * `chains serve` read them to stop waiting at once and say why.
 */
import { ENV, secretEnvName } from "./env.js";

/** Whether a Chainlet takes traffic, as `/readyz` answers it (200 or 503 with the reason). */
export interface Readiness {
  ready: boolean;
  reason?: string;
}

/** Type of the IPC message a Chainlet server sends its supervisor (`chains serve`) once it listens. */
export const LISTENING_MESSAGE = "tschains:listening";

export interface ListeningMessage {
  type: typeof LISTENING_MESSAGE;
  /** Where it listens (it was started on port 0). */
  url: string;
  /**
   * Its readiness then, when known without asking the Chainlet's `isHealthy()`: a supervisor need not
   * poll `/readyz` to learn it (absent: poll).
   */
  readiness?: Readiness;
}

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
