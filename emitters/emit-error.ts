/**
 * A build-time failure of an emitter. Codes are `CH14xx` (table in the README); the message names the
 * Chainlet and the artifact so the user knows what could not be produced.
 */
export class EmitError extends Error {
  override name = "EmitError";
  constructor(
    readonly code: `CH14${number}`,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
  }
}
