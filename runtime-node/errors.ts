/**
 * Errors the runtime raises. Every one has a stable `CH2xxx` code (table in the README) so callers
 * and logs can match on it without parsing messages.
 */
export class ChainsError extends Error {
  override name = "ChainsError";
  constructor(
    readonly code: `CH2${number}`,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
  }
}

/**
 * Throw from `runRemote` to answer the caller with a chosen HTTP status. The status and message
 * survive every hop, so an entrypoint's caller sees the 4xx a Chainlet three hops down chose.
 */
export class HttpError extends Error {
  override name = "HttpError";
  constructor(
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new RangeError(`HttpError status must be an integer from 400 to 599, got ${status}`);
    }
    super(message, options);
  }
}
