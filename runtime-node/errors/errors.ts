import { RUNTIME_ERRORS, runtimeMessage, type RuntimeErrorCode, type RuntimeErrorParams } from "../protocol/runtime-errors.js";

/**
 * Errors the runtime raises. Every one has a stable `CH2xxx` code (table in the README) so callers
 * and logs can match on it without parsing messages.
 */
export class ChainsError extends Error {
  override name = "ChainsError";
  constructor(
    readonly code: RuntimeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
  }
}

/** An error the server itself answers with the status its code has in the registry (limits, auth, bad input). */
export class RequestError extends ChainsError {
  override name = "ChainsError";
  constructor(
    readonly status: number,
    code: RuntimeErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(code, message);
  }
}

/**
 * The error for `code` with its registered message, status and headers: a `RequestError` when the
 * code is answered with a status of its own, a `ChainsError` otherwise.
 */
export function runtimeError<C extends RuntimeErrorCode>(code: C, params: RuntimeErrorParams<C>, options?: { cause?: unknown }): ChainsError {
  const entry = RUNTIME_ERRORS[code] as { status?: number; headers?: (p: RuntimeErrorParams<C>) => Record<string, string> };
  const message = runtimeMessage(code, params);
  if (entry.status === undefined) return new ChainsError(code, message, options);
  return new RequestError(entry.status, code, message, entry.headers?.(params));
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
