import { boundedEnvelope, ENVELOPE_LIMITS, isErrorEnvelope, escapedFragment, type ErrorEnvelope } from "../protocol/error-envelope.js";
import { readUpTo } from "./bounded-read.js";

/** The body of an error answer, as the client hands it to its caller. */
export interface ErrorBody {
  error: ErrorEnvelope;
}

/** A failure answered by the Chainlet (or one it calls): the HTTP status and the remote error body. */
export class RemoteError extends Error {
  override name = "RemoteError" as const;
  constructor(
    readonly status: number,
    readonly envelope: ErrorBody,
  ) {
    const error = envelope.error;
    super(`${error.type} in ${error.chainlet} (HTTP ${status}): ${error.message}`);
  }
}

/** The error body a proxy or load balancer did not write: its status text or the start of its text. */
function httpError(status: number, message: string, chainlet: string): RemoteError {
  return new RemoteError(status, { error: { type: "HttpError", message, chainlet, stack: "", cause: null } });
}

/**
 * The `RemoteError` of an error answer: its envelope when the body is one (JSON, or MessagePack when a
 * codec is given), cut to `ENVELOPE_LIMITS`; otherwise an `HttpError` naming `chainlet` that quotes
 * the start of the body, escaped. A body past `ENVELOPE_LIMITS.maxBytes` is not read further.
 */
export async function remoteErrorOf(response: Response, isMsgpack: boolean, unpack: ((bytes: Uint8Array) => unknown) | undefined, chainlet: string): Promise<RemoteError> {
  const { bytes, whole } = await readUpTo(response, ENVELOPE_LIMITS.maxBytes);
  let parsed: unknown;
  try {
    parsed = !whole ? undefined : isMsgpack && unpack ? unpack(bytes) : JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    parsed = undefined;
  }
  const error = (parsed as { error?: unknown } | undefined)?.error;
  if (isErrorEnvelope(error)) return new RemoteError(response.status, { error: boundedEnvelope(error) });
  const text = isMsgpack ? "" : new TextDecoder().decode(bytes.subarray(0, ENVELOPE_LIMITS.fragmentChars * 4));
  return httpError(response.status, text ? escapedFragment(text) : response.statusText || `HTTP ${response.status}`, chainlet);
}
