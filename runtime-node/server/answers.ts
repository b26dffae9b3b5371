import type { IncomingMessage } from "node:http";
import type { ChainletResponse } from "./chainlet-response.js";
import { RequestError } from "../errors/errors.js";
import { causedByDependency, statusOf, toEnvelope } from "../errors/error-envelope.js";
import type { ErrorEnvelope } from "../protocol/error-envelope.js";
import { JSON_TYPE, MSGPACK_TYPE, RETRY_FINAL, RETRY_HEADER } from "../protocol/http.js";
import type { ServerContext } from "./server-context.js";
import { encode, type WireFormat } from "../wire/wire-codec.js";

/** The media type of a whole body in `format`. */
export const contentTypeOf = (format: WireFormat) => (format === "msgpack" ? MSGPACK_TYPE : JSON_TYPE);

/** A request header's first value. */
export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Answers `value` as JSON with `status`. */
export function sendJson(res: ChainletResponse, status: number, value: unknown): void {
  const body = encode("json", value);
  res.head(status, { "content-type": JSON_TYPE, "content-length": body.length });
  res.end(body);
}

/** The top-level envelope of `error`, stamped with the Chainlet's build id so it names the exact build that raised it. */
export function envelopeOf(ctx: ServerContext, error: unknown): ErrorEnvelope {
  const envelope = toEnvelope(error, ctx.spec.meta.name, ctx.redact);
  return ctx.config.buildId ? { ...envelope, buildId: ctx.config.buildId } : envelope;
}

/**
 * Answers `error` as `{"error": <envelope>}` in `format`, with its status and headers (the registry's
 * for a runtime error, `RETRY_HEADER: final` for a dependency's failure); returns the envelope, or nothing when the answer had already begun (then the
 * connection is cut, the only way left to tell the client).
 */
export function sendError(ctx: ServerContext, res: ChainletResponse, error: unknown, format: WireFormat = "json"): ErrorEnvelope | undefined {
  const envelope = envelopeOf(ctx, error);
  const headers: Record<string, string> = error instanceof RequestError ? { ...error.headers } : {};
  if (ctx.state.shuttingDown) headers.connection = "close";
  // Only the hop nearest to the fault retries: this hop's transport already did (or chose not to).
  if (causedByDependency(error)) headers[RETRY_HEADER] = RETRY_FINAL;
  if (res.headersSent) {
    res.destroy();
    return undefined;
  }
  ctx.spans.get(res)?.failed(envelope, statusOf(error));
  const body = encode(format, { error: ctx.forCaller(envelope, res) });
  res.head(statusOf(error), { "content-type": contentTypeOf(format), "content-length": body.length, ...headers });
  res.end(body);
  return envelope;
}

/** Answers `error` and logs it: an error for 5xx, a warning for what the caller got wrong. */
export function sendAndLog(ctx: ServerContext, res: ChainletResponse, error: unknown, what: string, format?: WireFormat): void {
  const envelope = sendError(ctx, res, error, format);
  const status = statusOf(error);
  const log = status >= 500 ? ctx.logger.error.bind(ctx.logger) : ctx.logger.warn.bind(ctx.logger);
  log({ requestId: res.requestId, status, err: envelope }, `${what}: ${envelope?.message ?? status}`);
}
