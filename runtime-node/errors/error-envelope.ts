import { ChainsError, HttpError, RequestError } from "./errors.js";
import { boundedEnvelope, ENVELOPE_LIMITS, truncated, type ErrorEnvelope } from "../protocol/error-envelope.js";
import { runtimeMessage } from "../protocol/runtime-errors.js";
import { userStack } from "./stack-frames.js";

/** Absolute paths and file URLs of source or bundle files, with their `:line:column`. */
const SOURCE_PATH = /(?:file:\/\/)?(?:\/[^\s'"()<>:,]+)+\.(?:[cm]?[jt]sx?|json)(?::\d+)*/g;

/** `envelope` as an outside caller may see it: type, message, code and chainlet at every level, no stack, no source path. */
export function withoutInternals(envelope: ErrorEnvelope, depth = 0): ErrorEnvelope {
  return {
    type: envelope.type,
    message: envelope.message.replace(SOURCE_PATH, "[path]"),
    chainlet: envelope.chainlet,
    stack: "",
    cause: envelope.cause && depth < 64 ? withoutInternals(envelope.cause, depth + 1) : null,
    ...(envelope.code ? { code: envelope.code } : {}),
  };
}

/** The innermost envelope of a chain: where the failure started. */
export function rootCause(envelope: ErrorEnvelope): ErrorEnvelope {
  let current = envelope;
  for (let depth = 0; current.cause && depth < 64; depth++) current = current.cause;
  return current;
}

/**
 * The code of a dependency's error answer: a 401/403 between services is `CH2127` (answered as a
 * 502: the outside caller's credentials are not what failed), anything else `CH2122`.
 */
export function remoteFailureCode(status: number): "CH2122" | "CH2127" {
  return status === 401 || status === 403 ? "CH2127" : "CH2122";
}

/** Replaces every occurrence of a sensitive value (secret, token) in text. */
export type Redact = (text: string) => string;

interface RemoteLike {
  envelope: ErrorEnvelope;
  status: number;
  dependency: string;
}

function isRemoteLike(error: unknown): error is Error & RemoteLike {
  return error instanceof Error && error.name === "RemoteError" && "envelope" in error && "dependency" in error;
}

/**
 * Builds the envelope for an error raised in `chainlet`, redacting sensitive values (before cutting,
 * so no cut leaves half a secret) and keeping it within `ENVELOPE_LIMITS` whatever the error holds.
 */
export function toEnvelope(error: unknown, chainlet: string, redact: Redact, depth = 0): ErrorEnvelope {
  if (isRemoteLike(error)) {
    const code = remoteFailureCode(error.status);
    const remote = boundedEnvelope(error.envelope);
    return {
      type: "RemoteError",
      message: redact(`${code}: ` + runtimeMessage(code, { dependency: error.dependency, status: error.status, root: rootCause(remote).message })),
      chainlet,
      stack: truncated(redact(userStack(error)), ENVELOPE_LIMITS.stackChars),
      cause: redactEnvelope(remote, redact),
      code,
    };
  }
  const isError = error instanceof Error;
  const envelope: ErrorEnvelope = {
    type: truncated(isError ? error.name : typeof error, 200),
    message: truncated(redact(isError ? error.message : String(error)), ENVELOPE_LIMITS.messageChars),
    chainlet,
    stack: truncated(redact(userStack(error)), ENVELOPE_LIMITS.stackChars),
    cause: isError && error.cause !== undefined && depth + 1 < ENVELOPE_LIMITS.causeDepth ? toEnvelope(error.cause, chainlet, redact, depth + 1) : null,
  };
  if (error instanceof ChainsError) envelope.code = error.code;
  return envelope;
}

function redactEnvelope(envelope: ErrorEnvelope, redact: Redact): ErrorEnvelope {
  return {
    ...envelope,
    message: redact(envelope.message),
    stack: redact(envelope.stack),
    cause: envelope.cause ? redactEnvelope(envelope.cause, redact) : null,
  };
}

/** Runtime codes whose status survives every hop up: a dependency's timeout stays a 504. */
const TIMEOUT_CODES: ReadonlySet<string> = new Set(["CH2120", "CH2123"]);

const isTimeout = (error: unknown) => error instanceof ChainsError && TIMEOUT_CODES.has(error.code);

/**
 * The status to answer for an error: an `HttpError` keeps its status, also when it comes back from
 * any number of hops down; a runtime `RequestError` keeps its own; a dependency timeout is a 504 on
 * every hop; a 401/403 between services is a 502; everything else is a 500. Whatever the status, an
 * answer caused by a dependency's failure is marked final (see `causedByDependency`), so no hop
 * above retries what a closer hop already retried.
 */
export function statusOf(error: unknown): number {
  if (error instanceof HttpError || error instanceof RequestError) return error.status;
  if (isTimeout(error)) return 504;
  if (isRemoteLike(error)) {
    if (remoteFailureCode(error.status) === "CH2127") return 502;
    const root = rootCause(error.envelope);
    if (root.type === "HttpError") return error.status;
    return root.code !== undefined && TIMEOUT_CODES.has(root.code) ? 504 : 500;
  }
  if (error instanceof Error && error.cause !== undefined && error.cause !== error) {
    const inner = error.cause;
    if (inner instanceof HttpError || isRemoteLike(inner) || isTimeout(inner)) return statusOf(inner);
  }
  return 500;
}

/**
 * True when `error` (or one of its causes) is a dependency's failure as the transport reports it:
 * its answer is marked final, since the transport already applied its retry policy to it.
 */
export function causedByDependency(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 16; current = current.cause, depth++) {
    if (current instanceof ChainsError && "dependency" in current) return true;
  }
  return false;
}
