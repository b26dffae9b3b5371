import { ChainsError, HttpError, RequestError } from "./errors.js";
import type { ErrorEnvelope } from "../protocol/error-envelope.js";
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

/** Builds the envelope for an error raised in `chainlet`, redacting sensitive values. */
export function toEnvelope(error: unknown, chainlet: string, redact: Redact, depth = 0): ErrorEnvelope {
  if (isRemoteLike(error)) {
    return {
      type: "RemoteError",
      message: redact(runtimeMessage("CH2122", { dependency: error.dependency, status: error.status })),
      chainlet,
      stack: redact(userStack(error)),
      cause: redactEnvelope(error.envelope, redact),
      code: "CH2122",
    };
  }
  const isError = error instanceof Error;
  const envelope: ErrorEnvelope = {
    type: isError ? error.name : typeof error,
    message: redact(isError ? error.message : String(error)),
    chainlet,
    stack: redact(userStack(error)),
    cause: isError && error.cause !== undefined && depth < 16 ? toEnvelope(error.cause, chainlet, redact, depth + 1) : null,
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

/**
 * The status to answer for an error: an `HttpError` keeps its status, also when it comes back from
 * any number of hops down; a runtime `RequestError` keeps its own; everything else is a 500.
 * Downstream failures that were not chosen by user code become 500 on purpose, so callers upstream
 * never retry a failure that a closer hop already retried.
 */
export function statusOf(error: unknown): number {
  if (error instanceof HttpError || error instanceof RequestError) return error.status;
  if (isRemoteLike(error)) return rootCause(error.envelope).type === "HttpError" ? error.status : 500;
  if (error instanceof Error && error.cause !== undefined && error.cause !== error) {
    const inner = error.cause;
    if (inner instanceof HttpError || isRemoteLike(inner)) return statusOf(inner);
  }
  return 500;
}
