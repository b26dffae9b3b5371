/**
 * The error envelope: the body of every error answer (`{"error": ErrorEnvelope}`) and the last frame of
 * a stream whose producer failed (`{"error": ErrorEnvelope, "status"?: n}`). Its TypeScript type for the
 * runtime, its JSON Schema for OpenAPI, and the checks both the transport and the client use.
 */

/**
 * One error as the Chainlet that raised it reports it. `cause` nests the envelope of the Chainlet
 * downstream, so one error carries the whole chain of remote failures.
 */
export interface ErrorEnvelope {
  /** Error class name: `HttpError`, `TypeError`, `RemoteError`, `ChainsError`, ... */
  type: string;
  message: string;
  /** The Chainlet that raised it. */
  chainlet: string;
  /** Only the user's frames, mapped to `.ts` lines. */
  stack: string;
  cause: ErrorEnvelope | null;
  /** `CH2xxx` when the runtime raised it. */
  code?: string;
  /** The build id of `chainlet` (top-level envelope only), when it knows it. */
  buildId?: string;
  /** Set on what an outside caller gets (its stacks are empty): the request id to quote; logs have the rest. */
  requestId?: string;
}

/** A value that looks like an envelope, checked before trusting a remote body. */
export function isErrorEnvelope(value: unknown): value is ErrorEnvelope {
  if (value === null || typeof value !== "object") return false;
  const v = value as Record<string, unknown>;
  return typeof v.type === "string" && typeof v.message === "string" && typeof v.chainlet === "string";
}

/**
 * How much of an error envelope is kept before it is forwarded or logged: a dependency (or anything on
 * the way) may answer a 20 MB message, a deep `cause` chain or an endless stack.
 */
export const ENVELOPE_LIMITS = {
  /** An error answer longer than this is not parsed: its status and a fragment stand for it. */
  maxBytes: 1024 * 1024,
  messageChars: 4 * 1024,
  stackChars: 8 * 1024,
  /** Envelopes kept along `cause`; the rest of the chain is cut. */
  causeDepth: 8,
  /** Characters of a body quoted in a message about it (escaped, see `escapedFragment`). */
  fragmentChars: 120,
} as const;

/**
 * What follows the kept start of a text that was cut (`truncated`, `escapedFragment`). The redactor
 * looks for it: a cut may leave the start of a secret that only a hop further up knows.
 */
export const CUT_MARK = "…";

/** `text` cut to `max` characters, saying how much was cut. */
export function truncated(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}${CUT_MARK} [${text.length - max} more characters cut]`;
}

/**
 * The start of a body as a message may quote it: at most `max` characters, JSON-escaped without the
 * quotes (control characters and line breaks cannot forge log lines), `…` when it was cut.
 */
export function escapedFragment(text: string, max: number = ENVELOPE_LIMITS.fragmentChars): string {
  const escaped = JSON.stringify(text.slice(0, max)).slice(1, -1);
  return text.length > max ? `${escaped}${CUT_MARK}` : escaped;
}

/**
 * `envelope` within `ENVELOPE_LIMITS`: messages and stacks cut, the `cause` chain cut at its depth, and
 * only the envelope's own fields kept (a remote body may carry anything else).
 */
export function boundedEnvelope(envelope: ErrorEnvelope, depth = 0): ErrorEnvelope {
  const cause = isErrorEnvelope(envelope.cause) && depth + 1 < ENVELOPE_LIMITS.causeDepth ? boundedEnvelope(envelope.cause, depth + 1) : null;
  const bounded: ErrorEnvelope = {
    type: truncated(envelope.type, 200),
    message: truncated(envelope.message, ENVELOPE_LIMITS.messageChars),
    chainlet: truncated(envelope.chainlet, 200),
    stack: typeof envelope.stack === "string" ? truncated(envelope.stack, ENVELOPE_LIMITS.stackChars) : "",
    cause,
  };
  if (typeof envelope.code === "string") bounded.code = truncated(envelope.code, 32);
  if (typeof envelope.buildId === "string") bounded.buildId = truncated(envelope.buildId, 128);
  if (typeof envelope.requestId === "string") bounded.requestId = truncated(envelope.requestId, 128);
  return bounded;
}

/** A final stream frame `{"error": <envelope>, "status"?: n}`: the producer failed mid-stream. */
export function streamFailure(item: unknown): { envelope: ErrorEnvelope; status: number } | undefined {
  if (item === null || typeof item !== "object" || Array.isArray(item)) return undefined;
  const record = item as Record<string, unknown>;
  const keys = Object.keys(record);
  if (!keys.includes("error") || keys.some((k) => k !== "error" && k !== "status")) return undefined;
  if (!isErrorEnvelope(record.error)) return undefined;
  return { envelope: record.error, status: typeof record.status === "number" ? record.status : 500 };
}

/**
 * JSON Schemas of the error body, `ErrorEnvelope` (`{"error": ...}`) and `RemoteErrorDetail` (one
 * error), referring to each other as `<refPrefix><name>` (`#/components/schemas/` in OpenAPI).
 */
export function errorEnvelopeSchemas(refPrefix: string): Record<"ErrorEnvelope" | "RemoteErrorDetail", Record<string, unknown>> {
  return {
    ErrorEnvelope: {
      type: "object",
      properties: { error: { $ref: `${refPrefix}RemoteErrorDetail` } },
      required: ["error"],
    },
    RemoteErrorDetail: {
      type: "object",
      properties: {
        type: { type: "string", description: "Error class name: HttpError, TypeError, ChainsError, ..." },
        message: { type: "string" },
        chainlet: { type: "string", description: "The Chainlet that raised it." },
        stack: { type: "string", description: "The user's frames, mapped to .ts lines; empty for outside callers unless CHAINS_EXPOSE_STACKS=1." },
        requestId: { type: "string", description: "Outside callers only: the request id to quote (the x-request-id header)." },
        code: { type: "string", description: "CH2xxx when the tschains runtime raised it." },
        cause: { anyOf: [{ $ref: `${refPrefix}RemoteErrorDetail` }, { type: "null" }] },
      },
      required: ["type", "message", "chainlet"],
    },
  };
}
