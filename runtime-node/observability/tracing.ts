import type { IncomingHttpHeaders } from "node:http";
import type * as OtelApi from "@opentelemetry/api";
import type { Redact } from "../errors/error-envelope.js";
import { OTEL_ENV, OTLP_TRACES_PATH } from "../protocol/env.js";
import { commonJsExports } from "./common-js-exports.js";
import type { ErrorEnvelope } from "../protocol/error-envelope.js";
import { TRACEPARENT_HEADER } from "../protocol/http.js";

/**
 * OpenTelemetry spans of a served Chainlet: a server span per `run_remote` request and a client span
 * per dependency call attempt. Configured only by the standard `OTEL_*` variables and off unless an
 * OTLP endpoint is set; then nothing of the SDK is even loaded (`startTracing` imports it lazily), and
 * every hook in the server and the transport is one `undefined` check.
 */
export interface Tracing {
  /** Starts the server span of one `run_remote` request, child of the caller's `traceparent`. */
  serverSpan(chainlet: string, method: string, route: string, headers: IncomingHttpHeaders, requestId: string): RequestSpan;
  /** Starts the client span of one attempt of a dependency call, child of the active span. */
  attemptSpan(dependency: string, url: URL, attempt: number): AttemptSpan;
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

/** The span of one served request. */
export interface RequestSpan {
  /** Runs `work` with this span active, so dependency calls and the user's own spans become its children. */
  run<T>(work: () => T): T;
  /** Records the error envelope the request answered (or ended its stream) with. */
  failed(envelope: ErrorEnvelope, status: number): void;
  /** Ends the span with the HTTP status sent; `completed` is false when the client went away first. */
  end(status: number, completed: boolean): void;
}

/** The span of one attempt of a dependency call. */
export interface AttemptSpan {
  /** The W3C `traceparent` naming this attempt, sent to the callee. */
  readonly traceHeader: string | undefined;
  /** Records the answer's HTTP status. */
  answered(status: number): void;
  /** Ends the attempt (once; later calls do nothing): with the error it failed with, and the backoff before the next attempt if any. */
  end(error?: unknown, retryInMs?: number): void;
}

let active: Tracing | undefined;

/** The process's tracing, or undefined when it is off. */
export function activeTracing(): Tracing | undefined {
  return active;
}

/**
 * Where spans are sent: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as is, or `OTEL_EXPORTER_OTLP_ENDPOINT`
 * plus `/v1/traces` (as the OTLP exporter specification says), or undefined: tracing is off.
 */
export function tracesEndpoint(env: NodeJS.ProcessEnv): string | undefined {
  if (env[OTEL_ENV.sdkDisabled]?.trim().toLowerCase() === "true") return undefined;
  if (env[OTEL_ENV.tracesExporter]?.trim().toLowerCase() === "none") return undefined;
  const traces = env[OTEL_ENV.tracesEndpoint]?.trim();
  if (traces) return traces;
  const base = env[OTEL_ENV.endpoint]?.trim();
  return base ? `${base.replace(/\/+$/, "")}${OTLP_TRACES_PATH}` : undefined;
}

/**
 * Starts tracing for this process when `env` names an OTLP endpoint: registers the global tracer
 * provider, W3C trace-context propagator and async context manager of `@opentelemetry/api`, so the
 * Chainlet's own `trace.getTracer(...)` spans land in the same trace. The service name defaults to the
 * Chainlet's name (`OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES` win); the sampler follows
 * `OTEL_TRACES_SAMPLER`; `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL` / `OTEL_EXPORTER_OTLP_PROTOCOL` choose
 * `http/protobuf` (default) or `http/json`. Exception messages pass through `redact`.
 */
export async function startTracing(env: NodeJS.ProcessEnv, chainlet: string, redact: Redact): Promise<Tracing | undefined> {
  const url = tracesEndpoint(env);
  if (!url) return undefined;
  if (active) return active;
  const protocol = (env[OTEL_ENV.tracesProtocol] ?? env[OTEL_ENV.protocol] ?? "http/protobuf").trim();
  const [api, core, contextManager, resources, sdk, exporterModule] = await Promise.all([
    import("@opentelemetry/api"),
    import("@opentelemetry/core").then(commonJsExports),
    import("@opentelemetry/context-async-hooks").then(commonJsExports),
    import("@opentelemetry/resources").then(commonJsExports),
    import("@opentelemetry/sdk-trace-base").then(commonJsExports),
    (protocol === "http/json" ? import("@opentelemetry/exporter-trace-otlp-http") : import("@opentelemetry/exporter-trace-otlp-proto")).then(commonJsExports),
  ]);
  const resource = resources
    .resourceFromAttributes({ "service.name": chainlet })
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));
  const provider = new sdk.BasicTracerProvider({
    resource,
    spanProcessors: [new sdk.BatchSpanProcessor(new exporterModule.OTLPTraceExporter({ url }))],
  });
  api.context.setGlobalContextManager(new contextManager.AsyncLocalStorageContextManager().enable());
  api.propagation.setGlobalPropagator(
    new core.CompositePropagator({ propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()] }),
  );
  api.trace.setGlobalTracerProvider(provider);
  active = createTracing(api, provider.getTracer("tschains"), redact, () => provider.shutdown());
  return active;
}

type Api = typeof OtelApi;

const RPC_SYSTEM = "tschains";
const RUN_REMOTE = "runRemote";

function createTracing(api: Api, tracer: OtelApi.Tracer, redact: Redact, shutdown: () => Promise<void>): Tracing {
  return {
    serverSpan: (chainlet, method, route, headers, requestId) => {
      const parent = api.propagation.extract(api.ROOT_CONTEXT, headers);
      const attributes = { ...rpcAttributes(chainlet), "http.request.method": method, "http.route": route, "url.path": route, "url.scheme": "http", "tschains.request_id": requestId };
      const span = tracer.startSpan(`${chainlet}/${RUN_REMOTE}`, { kind: api.SpanKind.SERVER, attributes }, parent);
      return requestSpan(api, span, api.trace.setSpan(parent, span));
    },
    attemptSpan: (dependency, url, attempt) => {
      const attributes = {
        ...rpcAttributes(dependency),
        "http.request.method": "POST",
        // Without the query: a foreign service's URL may carry a key there.
        "url.full": `${url.origin}${url.pathname}`,
        "server.address": url.hostname,
        "server.port": Number(url.port || (url.protocol === "https:" ? 443 : 80)),
        ...(attempt > 0 ? { "http.request.resend_count": attempt } : {}),
      };
      return attemptSpan(api, tracer.startSpan(`${dependency}/${RUN_REMOTE}`, { kind: api.SpanKind.CLIENT, attributes }), attempt, redact);
    },
    async shutdown() {
      active = undefined;
      await shutdown();
    },
  };
}

/** The RPC semantic-convention attributes of a call to `service`'s `runRemote`. */
function rpcAttributes(service: string): OtelApi.Attributes {
  return { "rpc.system": RPC_SYSTEM, "rpc.service": service, "rpc.method": RUN_REMOTE };
}

function requestSpan(api: Api, span: OtelApi.Span, context: OtelApi.Context): RequestSpan {
  let failure: { envelope: ErrorEnvelope; status: number } | undefined;
  return {
    run: (work) => api.context.with(context, work),
    failed(envelope, status) {
      failure = { envelope, status };
      span.setAttribute("error.type", envelope.type);
      // The envelope is already redacted and its stack holds only the user's `.ts` frames.
      for (let each: ErrorEnvelope | null = envelope, depth = 0; each && depth < 16; each = each.cause, depth++) {
        span.recordException({ name: each.type, message: each.message, stack: each.stack || undefined });
        span.addEvent("tschains.error", { "tschains.chainlet": each.chainlet, "tschains.error.code": each.code ?? "" });
      }
    },
    end(status, completed) {
      span.setAttribute("http.response.status_code", status);
      // Per the HTTP conventions a server span is an error for 5xx answers, not for the caller's 4xx.
      if (status >= 500 || (failure && status < 400)) span.setStatus({ code: api.SpanStatusCode.ERROR, message: failure?.envelope.message });
      if (!completed) span.addEvent("tschains.client_gone");
      span.end();
    },
  };
}

function attemptSpan(api: Api, span: OtelApi.Span, attempt: number, redact: Redact): AttemptSpan {
  const carrier: Record<string, string> = {};
  api.propagation.inject(api.trace.setSpan(api.context.active(), span), carrier);
  let ended = false;
  return {
    traceHeader: carrier[TRACEPARENT_HEADER],
    answered(status) {
      span.setAttribute("http.response.status_code", status);
      if (status < 400) return;
      span.setAttribute("error.type", String(status));
      span.setStatus({ code: api.SpanStatusCode.ERROR, message: `HTTP ${status}` });
    },
    end(error, retryInMs) {
      if (ended) return;
      ended = true;
      if (error !== undefined) recordError(api, span, error, redact);
      if (retryInMs !== undefined) span.addEvent("tschains.retry", { "tschains.retry.backoff_ms": Math.round(retryInMs), "tschains.retry.next_attempt": attempt + 1 });
      span.end();
    },
  };
}

function recordError(api: Api, span: OtelApi.Span, error: unknown, redact: Redact): void {
  const type = errorType(error);
  span.setAttribute("error.type", type);
  const message = redact(error instanceof Error ? error.message : String(error));
  span.recordException({ name: type, message });
  span.setStatus({ code: api.SpanStatusCode.ERROR, message });
}

function errorType(error: unknown): string {
  if (!(error instanceof Error)) return "Error";
  // A plain Error from the network stack says more by its code (ECONNREFUSED, UND_ERR_SOCKET).
  const code = (error as { code?: unknown }).code;
  return error.name === "Error" && typeof code === "string" && /^[A-Z0-9_]{2,40}$/.test(code) ? code : error.name;
}
