import type { IncomingMessage, ServerResponse } from "node:http";
import { activeTracing } from "../observability/tracing.js";
import { RUN_REMOTE_PATH } from "../protocol/http.js";
import type { ServerContext } from "./server-context.js";

/**
 * The tracing hook of a `runRemote` request: starts its server span (child of the caller's
 * `traceparent`) when tracing is on, ends it when the answer closes, and returns a runner that makes
 * it the active span for the phases, so dependency calls and the user's own spans become its children.
 * `sendError` and the stream's error frame record the error envelope on it through `ctx.spans`.
 */
export function traceRequest(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, requestId: string): <T>(work: () => T) => T {
  const span = activeTracing()?.serverSpan(ctx.spec.meta.name, req.method ?? "", RUN_REMOTE_PATH, req.headers, requestId);
  if (!span) return (work) => work();
  ctx.spans.set(res, span);
  res.on("close", () => span.end(res.statusCode, res.writableFinished));
  return (work) => span.run(work);
}
