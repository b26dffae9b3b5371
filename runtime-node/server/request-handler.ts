import type { IncomingMessage } from "node:http";
import { headerValue, sendError } from "./answers.js";
import { runtimeError } from "../errors/errors.js";
import { OPERATIONAL_ROUTES } from "./operational-routes.js";
import { OPERATIONAL_PATHS, REQUEST_ID_HEADER, ROUTES, TRACEPARENT_HEADER } from "../protocol/http.js";
import { AccessRecord } from "../observability/access-log.js";
import { contextFromHeaders, servedInContext } from "../observability/request-context.js";
import type { RequestSpan } from "../observability/tracing.js";
import type { ChainletResponse } from "./chainlet-response.js";
import { traceRequest } from "./request-span.js";
import { runRemoteRoute } from "./run-remote-route.js";
import type { ServerContext } from "./server-context.js";

/** The path of a request URL, without its query. */
function pathOf(url: string | undefined): string {
  if (url === undefined) return "/";
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}

/** The server's request listener: routing, the request id, the access log and metrics, then the route. */
export function requestHandler(ctx: ServerContext) {
  const answered = accessLog(ctx);
  return (req: IncomingMessage, res: ChainletResponse): void => {
    const path = pathOf(req.url);
    const methods = Object.hasOwn(ROUTES, path) ? ROUTES[path] : undefined;
    const rc = contextFromHeaders(headerValue(req, REQUEST_ID_HEADER), headerValue(req, TRACEPARENT_HEADER));
    rc.caller = res;
    res.started = performance.now();
    res.route = methods ? path : "unknown";
    res.requestId = rc.requestId;
    res.onClosed = answered;
    if (!methods || !methods.includes(req.method ?? "")) {
      req.resume();
      const error = methods
        ? runtimeError("CH2107", { method: req.method, path, allowed: methods })
        : runtimeError("CH2106", { method: req.method, path, routes: Object.keys(ROUTES) });
      sendError(ctx, res, error);
      return;
    }
    const operational = Object.hasOwn(OPERATIONAL_ROUTES, path) ? OPERATIONAL_ROUTES[path] : undefined;
    if (operational) return operational(ctx, res);
    void servedInContext(rc, serveRunRemote, ctx, req, res, traceRequest(ctx, req, res, rc.requestId));
  };
}

function serveRunRemote(ctx: ServerContext, req: IncomingMessage, res: ChainletResponse, span: RequestSpan | undefined): Promise<void> {
  return span ? span.run(() => runRemoteRoute(ctx, req, res)) : runRemoteRoute(ctx, req, res);
}

/** What runs when an answer closes: it is counted, and logged unless it answered a probe or a scrape. */
function accessLog(ctx: ServerContext): (res: ChainletResponse) => void {
  return (res) => {
    const ms = performance.now() - res.started;
    ctx.metrics.requestDone(res.route, res.statusCode, ms / 1000);
    if (OPERATIONAL_PATHS.has(res.route)) return;
    ctx.access(new AccessRecord(Date.now(), res.requestId, res.route, res.req.method ?? "", res.statusCode, Math.round(ms * 10) / 10, !res.writableFinished));
  };
}
