/**
 * The phases of a `runRemote` request, in order: authenticate → checkReady → negotiate → decodeBody →
 * validateInput → admit → invoke, then `respond` (respond.ts). Each is a small function that returns
 * what the next needs or throws a registry error; `run-remote-route.ts` composes them. A hook (tracing,
 * auditing) goes between two of them.
 */
import type { IncomingMessage } from "node:http";
import { headerValue } from "./answers.js";
import { runtimeError } from "../errors/errors.js";
import { readBody } from "./request-body.js";
import type { ServerContext, ServerState } from "./server-context.js";
import { checkRejected, formatIssues } from "../wire/validation.js";
import { alignedOffsetOf, charsetOf, decode, formatOf, formatReady, type WireFormat } from "../wire/wire-codec.js";
import { ENVELOPE_LIMITS, escapedFragment } from "../protocol/error-envelope.js";

/** The bearer token the route demands: 401 without one, 403 for one not accepted. */
export function authenticate(ctx: ServerContext, req: IncomingMessage): void {
  const verdict = ctx.checkBearer(headerValue(req, "authorization"));
  if (verdict === "missing") throw runtimeError("CH2108", {});
  if (verdict === "wrong") throw runtimeError("CH2109", {});
}

/** A constructed Chainlet that is not draining, or a 503. */
export function checkReady(state: ServerState): NonNullable<ServerState["instance"]> {
  if (state.shuttingDown) throw runtimeError("CH2111", { shuttingDown: true });
  if (state.missingSecrets) throw runtimeError("CH2111", { shuttingDown: false, missingSecrets: state.missingSecrets });
  if (!state.instance) throw runtimeError("CH2111", { shuttingDown: false, constructError: state.constructError });
  return state.instance;
}

/**
 * The body format the Content-Type selects, or a 415; a body the server would have to decode first (a
 * charset other than UTF-8, a Content-Encoding) is refused with 415, a Transfer-Encoding other than
 * `chunked` with 501, rather than read as UTF-8.
 */
export function negotiate(req: IncomingMessage): WireFormat {
  const transferEncoding = headerValue(req, "transfer-encoding");
  if (transferEncoding !== undefined && transferEncoding.trim().toLowerCase() !== "chunked") throw runtimeError("CH2113", { transferEncoding });
  const contentEncoding = headerValue(req, "content-encoding");
  if (contentEncoding !== undefined && contentEncoding.trim().toLowerCase() !== "identity") throw runtimeError("CH2112", { contentEncoding });
  const contentType = headerValue(req, "content-type");
  const format = formatOf(contentType);
  if (!format) throw runtimeError("CH2105", { contentType: req.headers["content-type"] });
  const charset = charsetOf(contentType);
  if (charset !== undefined && charset !== "utf-8" && charset !== "utf8") throw runtimeError("CH2112", { charset });
  return format;
}

/**
 * The decoded body, read up to `CHAINS_MAX_BODY_BYTES` (413 past it, 400 when malformed). The parser's
 * reason may quote the body: it is cut short and escaped before it reaches the answer and the log.
 */
export async function decodeBody(ctx: ServerContext, req: IncomingMessage, format: WireFormat): Promise<unknown> {
  const raw = await readBody(req, ctx.config.maxBodyBytes, (head) => alignedOffsetOf(format, head));
  // The answer is written in the request's format too: from here on, the codec can write it.
  const ready = formatReady(format);
  if (ready) await ready;
  try {
    return decode(format, raw);
  } catch (error) {
    throw runtimeError("CH2104", { format, reason: escapedFragment((error as Error).message, 2 * ENVELOPE_LIMITS.fragmentChars) });
  }
}

/**
 * The `runRemote` arguments in parameter order, once the body matches the input schema (400 otherwise).
 * A body from another Chainlet (asked only when the strict check fails) is read tolerantly:
 * properties the schema does not know are dropped and counted, not rejected.
 */
export function validateInput(ctx: ServerContext, body: unknown, req: IncomingMessage): unknown[] {
  const { meta, validators } = ctx.spec;
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw runtimeError("CH2101", { parameters: parameterNames(ctx) });
  // A body that passes the strict check (a caller of the same version) costs nothing more than it.
  if (!validators.input(body)) readTolerantly(ctx, body, req);
  const record = body as Record<string, unknown>;
  // Own properties only: an omitted optional parameter named `constructor` is undefined, not Object.
  return meta.runRemote.parameters.map((p) => (Object.hasOwn(record, p.name) ? record[p.name] : undefined));
}

const parameterNames = (ctx: ServerContext) => ctx.spec.meta.runRemote.parameters.map((p) => p.name);

/** A body the strict check just rejected: accepted when another Chainlet sent it and only unknown properties were wrong (dropped in place). */
function readTolerantly(ctx: ServerContext, body: object, req: IncomingMessage): void {
  const { validators } = ctx.spec;
  const tolerant = () => (ctx.fromChainlet(headerValue(req, "authorization")) ? validators.tolerantInput : undefined);
  const checked = checkRejected(validators.input, body, { parameters: parameterNames(ctx), schema: validators.tolerantInput?.schema, tolerant });
  if (!checked.ok) throw runtimeError("CH2101", { issues: formatIssues(checked.issues) });
  if (checked.dropped.length > 0) ctx.metrics.unknownPropertiesDropped("input", "", checked.dropped.length);
}

/** A `compute.concurrency` slot (waiting in the queue if needed), or a 503 when the queue is full. */
export async function admit(ctx: ServerContext): Promise<() => void> {
  const slot = ctx.gate.tryAcquire();
  if (!slot) {
    ctx.metrics.shed();
    throw runtimeError("CH2110", { running: ctx.gate.limit, waiting: ctx.gate.maxQueue });
  }
  return slot;
}

/** Calls the Chainlet's `runRemote`: its promise, or the iterable it streams. */
export function invoke(instance: NonNullable<ServerState["instance"]>, args: unknown[]): unknown {
  return instance.runRemote(...args);
}
