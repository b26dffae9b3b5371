import type { IncomingMessage, ServerResponse } from "node:http";
import { headerValue, sendError } from "./answers.js";
import { runtimeError } from "../errors/errors.js";
import { OPERATIONAL_ROUTES } from "./operational-routes.js";
import { OPERATIONAL_PATHS, REQUEST_ID_HEADER, ROUTES, TRACEPARENT_HEADER } from "../protocol/http.js";
import { contextFromHeaders, requestContext, type RequestContext } from "../observability/request-context.js";
import { traceRequest } from "./request-span.js";
import { runRemoteRoute } from "./run-remote-route.js";
import type { ServerContext } from "./server-context.js";

/** The server's request listener: routing, the request id, the access log and metrics, then the route. */
export function requestHandler(ctx: ServerContext) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? "/").split("?")[0];
    const methods = Object.hasOwn(ROUTES, path) ? ROUTES[path] : undefined;
    const rc = contextFromHeaders(headerValue(req, REQUEST_ID_HEADER), headerValue(req, TRACEPARENT_HEADER));
    rc.caller = res;
    res.setHeader(REQUEST_ID_HEADER, rc.requestId);
    accessLog(ctx, req, res, methods ? path : "unknown", rc);
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
    const traced = traceRequest(ctx, req, res, rc.requestId);
    void requestContext.run(rc, () => traced(() => runRemoteRoute(ctx, req, res)));
  };
}

/** Counts every answer and logs each call (probes and scrapes only count). */
function accessLog(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, route: string, rc: RequestContext): void {
  const started = performance.now();
  res.on("close", () => {
    const seconds = (performance.now() - started) / 1000;
    ctx.metrics.requestDone(route, res.statusCode, seconds);
    if (OPERATIONAL_PATHS.has(route)) return;
    ctx.logger.info(
      { requestId: rc.requestId, route, method: req.method, status: res.statusCode, durationMs: Math.round(seconds * 1e4) / 10, aborted: !res.writableFinished },
      `${req.method} ${route} ${res.statusCode}`,
    );
  });
}
