import type { IncomingMessage, ServerResponse } from "node:http";
import { activeTracing, type RequestSpan } from "../observability/tracing.js";
import { RUN_REMOTE_PATH } from "../protocol/http.js";
import type { ServerContext } from "./server-context.js";

/**
 * The tracing hook of a `runRemote` request: its server span (child of the caller's `traceparent`)
 * when tracing is on, ended when the answer closes; the caller makes it the active span for the
 * phases (`span.run`), so dependency calls and the user's own spans become its children.
 * `sendError` and the stream's error frame record the error envelope on it through `ctx.spans`.
 */
export function traceRequest(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, requestId: string): RequestSpan | undefined {
  const span = activeTracing()?.serverSpan(ctx.spec.meta.name, req.method ?? "", RUN_REMOTE_PATH, req.headers, requestId);
  if (!span) return undefined;
  ctx.spans.set(res, span);
  res.on("close", () => span.end(res.statusCode, res.writableFinished));
  return span;
}
