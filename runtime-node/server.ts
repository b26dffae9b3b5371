import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { constructWith } from "./authoring.js";
import { bearerChecker, type BearerVerdict } from "./auth.js";
import type { ChainletServerSpec } from "./chainlet-meta.js";
import { ConcurrencyGate } from "./concurrency-gate.js";
import { RequestError, statusOf, toEnvelope, type Redact } from "./error-envelope.js";
import { createLogger, type ChainletLogger } from "./logger.js";
import { ChainletMetrics } from "./metrics.js";
import { redactor } from "./redaction.js";
import { readBody } from "./request-body.js";
import { contextFromHeaders, requestContext } from "./request-context.js";
import { servedInjector } from "./served-injector.js";
import { readServerConfig, type ServerConfig } from "./server-config.js";
import { activeTracing, startTracing, type RequestSpan } from "./tracing.js";
import { Transport } from "./transport.js";
import { checkOutput, formatIssues, validationIssues } from "./validation.js";
import { JSON_TYPE, MSGPACK_SEQ_TYPE, MSGPACK_TYPE, NDJSON_TYPE, alignedOffsetOf, decode, encode, encodeChunks, encodeFrame, formatOf, type WireFormat } from "./wire-codec.js";

export type { ChainletServerSpec, ChainletMeta, ChainletDependencyMeta, ChainletValidators, ValidateFunction } from "./chainlet-meta.js";

/** A started Chainlet server. */
export interface RunningChainletServer {
  /** `http://host:port` it listens on. */
  url: string;
  port: number;
  server: Server;
  /** True once constructed, healthy enough to take traffic, and not shutting down. */
  readonly constructed: boolean;
  /** Drains like SIGTERM does (readiness off, stop accepting, finish in-flight up to the deadline), without exiting. */
  close(): Promise<void>;
}

const RUN_REMOTE = "/v1/run_remote";
const ROUTES: Record<string, string[]> = {
  [RUN_REMOTE]: ["POST"],
  "/healthz": ["GET", "HEAD"],
  "/readyz": ["GET", "HEAD"],
  "/metrics": ["GET"],
};

interface ServerState {
  instance?: { runRemote(...args: unknown[]): unknown; isHealthy?(): boolean | Promise<boolean> };
  constructError?: string;
  shuttingDown: boolean;
}

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  typeof value === "object" && value !== null && Symbol.asyncIterator in value;

/**
 * Starts the HTTP server of one Chainlet: what a built `server.mjs` runs. Reads its configuration
 * from `spec.env` (default `process.env`, see the README's runtime section), constructs the Chainlet
 * once with served dependencies, and serves `POST /v1/run_remote`, `/healthz`, `/readyz`, `/metrics`.
 * A constructor that throws does not stop the process: `/readyz` answers 503 with the reason.
 */
export async function startChainletServer(spec: ChainletServerSpec): Promise<RunningChainletServer> {
  const { meta, validators } = spec;
  const env = spec.env ?? process.env;
  const config = readServerConfig(env, meta.config.assets.secretKeys);
  const redact = redactor([...Object.values(config.secrets), config.authToken, ...config.apiKeys]);
  const log = createLogger(meta.name, config.logLevel, redact, spec.logDestination);
  const { logger } = log;
  const metrics = new ChainletMetrics(meta.name);
  // A tracing setup that fails (a malformed OTEL_* value) leaves the Chainlet serving, untraced.
  await startTracing(env, meta.name, redact).catch((error: unknown) => {
    logger.warn(`tracing is off: its OTEL_* configuration failed: ${redact(error instanceof Error ? error.message : String(error))}`);
  });
  const retryBase = Number(env.CHAINS_RETRY_BASE_MS);
  const transport = new Transport({
    authToken: config.authToken,
    observer: metrics,
    retryBaseMs: Number.isFinite(retryBase) && retryBase >= 0 ? retryBase : undefined,
  });
  const state: ServerState = { shuttingDown: false };

  try {
    state.instance = constructWith(servedInjector(meta, validators, config, transport), spec.chainlet) as ServerState["instance"];
  } catch (error) {
    state.constructError = redact(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    logger.error({ err: toEnvelope(error, meta.name, redact) }, `constructing ${meta.name} failed; /readyz answers 503 until it is fixed: ${state.constructError}`);
  }

  const concurrency = Math.max(1, meta.config.compute.concurrency);
  const gate = new ConcurrencyGate(concurrency, config.maxQueue ?? concurrency * 4);
  const publicEntrypoint = meta.isEntrypoint && config.entrypointPublic && config.apiKeys.length === 0;
  metrics.watchRunGate(gate);
  const accepted = publicEntrypoint ? [] : [...(config.authToken ? [config.authToken] : []), ...(meta.isEntrypoint ? config.apiKeys : [])];
  const handler = requestHandler({ spec, config, state, gate, logger, metrics, redact, checkBearer: bearerChecker(accepted), spans: new WeakMap() });

  const server = createServer({ headersTimeout: config.headersTimeoutMs, requestTimeout: config.requestTimeoutMs, keepAliveTimeout: 5_000 }, handler);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;
  const url = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`;
  logger.info({ url, ready: state.instance !== undefined }, `${meta.name} listening on ${url}`);
  // A supervisor such as `chains serve` starts servers on PORT=0 and learns the real port here,
  // which is race-free unlike picking a free port before spawning.
  process.send?.({ type: "tschains:listening", url });

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= drain(server, state, transport, log, config.shutdownTimeoutSec);
    return closing;
  };

  if (spec.handleSignals ?? spec.env === undefined) {
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info({ signal }, `received ${signal}: draining (up to ${config.shutdownTimeoutSec}s)`);
      void close().then(() => process.exit(0));
    };
    process.once("SIGTERM", onSignal);
    process.once("SIGINT", onSignal);
  }

  return {
    url,
    port,
    server,
    get constructed() {
      return state.instance !== undefined && !state.shuttingDown;
    },
    close,
  };
}

async function drain(server: Server, state: ServerState, transport: Transport, { logger, flush }: ChainletLogger, timeoutSec: number): Promise<void> {
  state.shuttingDown = true;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  // Keep-alive connections that finish a request while draining close as soon as they are idle.
  const sweeper = setInterval(() => server.closeIdleConnections(), 100);
  const deadline = setTimeout(() => {
    logger.warn(`shutdown deadline of ${timeoutSec}s reached: closing the remaining connections`);
    server.closeAllConnections();
  }, timeoutSec * 1000);
  await closed;
  clearInterval(sweeper);
  clearTimeout(deadline);
  await transport.close();
  await activeTracing()?.shutdown();
  logger.info("drained; all in-flight requests finished");
  flush();
}

interface HandlerContext {
  spec: ChainletServerSpec;
  config: ServerConfig;
  state: ServerState;
  gate: ConcurrencyGate;
  logger: Logger;
  metrics: ChainletMetrics;
  redact: Redact;
  checkBearer: (header: string | undefined) => BearerVerdict;
  /** The span of each traced request in flight. */
  spans: WeakMap<ServerResponse, RequestSpan>;
}

function requestHandler(ctx: HandlerContext) {
  const { spec, state, logger, metrics, redact } = ctx;
  const chainlet = spec.meta.name;

  const sendJson = (res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}) => {
    const body = encode("json", value);
    res.writeHead(status, { "content-type": JSON_TYPE, "content-length": body.length, ...headers });
    res.end(body);
  };

  const sendError = (res: ServerResponse, error: unknown, format: WireFormat = "json") => {
    const status = statusOf(error);
    const envelope = toEnvelope(error, chainlet, redact);
    const headers: Record<string, string> = error instanceof RequestError ? { ...error.headers } : {};
    if (state.shuttingDown) headers.connection = "close";
    if (res.headersSent) {
      res.destroy();
      return;
    }
    ctx.spans.get(res)?.failed(envelope, status);
    const body = encode(format, { error: envelope });
    res.writeHead(status, { "content-type": format === "msgpack" ? MSGPACK_TYPE : JSON_TYPE, "content-length": body.length, ...headers });
    res.end(body);
    return envelope;
  };

  return (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const path = (req.url ?? "/").split("?")[0];
    const methods = ROUTES[path];
    const route = methods ? path : "unknown";
    const rc = contextFromHeaders(headerValue(req.headers["x-request-id"]), headerValue(req.headers.traceparent));
    res.setHeader("x-request-id", rc.requestId);
    const span = route === RUN_REMOTE ? activeTracing()?.serverSpan(chainlet, req.method ?? "", route, req.headers, rc.requestId) : undefined;
    if (span) ctx.spans.set(res, span);
    res.on("close", () => {
      span?.end(res.statusCode, res.writableFinished);
      const seconds = (performance.now() - started) / 1000;
      metrics.requestDone(route, res.statusCode, seconds);
      if (route === "/healthz" || route === "/readyz" || route === "/metrics") return;
      logger.info(
        { requestId: rc.requestId, route, method: req.method, status: res.statusCode, durationMs: Math.round(seconds * 1e4) / 10, aborted: !res.writableFinished },
        `${req.method} ${route} ${res.statusCode}`,
      );
    });

    if (!methods) {
      req.resume();
      sendError(res, new RequestError(404, "CH2106", `no route ${req.method} ${path}; the routes are ${Object.keys(ROUTES).join(", ")}`));
      return;
    }
    if (!methods.includes(req.method ?? "")) {
      req.resume();
      sendError(res, new RequestError(405, "CH2107", `${path} accepts ${methods.join(", ")}, not ${req.method}`, { allow: methods.join(", ") }));
      return;
    }
    if (path === "/healthz") return sendJson(res, 200, { status: "ok", chainlet });
    if (path === "/readyz") {
      void readiness(state, redact).then(({ ready, reason }) =>
        sendJson(res, ready ? 200 : 503, ready ? { status: "ready", chainlet } : { status: "not ready", chainlet, reason }),
      );
      return;
    }
    if (path === "/metrics") {
      void metrics.text().then((text) => {
        res.writeHead(200, { "content-type": metrics.contentType });
        res.end(text);
      });
      return;
    }
    const serve = () => requestContext.run(rc, () => runRemoteRoute(ctx, req, res, sendError));
    void (span ? span.run(serve) : serve()).catch((error) => {
      const envelope = sendError(res, error);
      const status = statusOf(error);
      (status >= 500 ? logger.error : logger.warn).call(logger, { requestId: rc.requestId, status, err: envelope }, `request refused: ${envelope?.message ?? status}`);
    });
  };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

// /readyz is open to anyone, so whatever isHealthy() threw passes through the redactor like every envelope.
async function readiness(state: ServerState, redact: Redact): Promise<{ ready: boolean; reason?: string }> {
  if (state.shuttingDown) return { ready: false, reason: "shutting down" };
  if (!state.instance) return { ready: false, reason: `constructor failed: ${state.constructError ?? "unknown error"}` };
  if (typeof state.instance.isHealthy !== "function") return { ready: true };
  try {
    const healthy = await state.instance.isHealthy();
    return healthy ? { ready: true } : { ready: false, reason: "isHealthy() returned false" };
  } catch (error) {
    return { ready: false, reason: redact(`isHealthy() threw: ${error instanceof Error ? error.message : String(error)}`) };
  }
}

type SendError = (res: ServerResponse, error: unknown, format?: WireFormat) => unknown;

async function runRemoteRoute(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, sendError: SendError): Promise<void> {
  const { spec, config, state, gate, logger, metrics, redact } = ctx;
  const { meta, validators } = spec;

  const auth = ctx.checkBearer(headerValue(req.headers.authorization));
  if (auth !== "ok") {
    req.resume();
    const error =
      auth === "missing"
        ? new RequestError(401, "CH2108", "this Chainlet requires `Authorization: Bearer <token>`", { "www-authenticate": "Bearer" })
        : new RequestError(403, "CH2109", "the bearer token is not accepted here");
    sendError(res, error);
    return;
  }
  if (state.shuttingDown || !state.instance) {
    req.resume();
    const reason = state.shuttingDown ? "the server is shutting down" : `the Chainlet failed to construct: ${state.constructError}`;
    sendError(res, new RequestError(503, "CH2111", reason, state.shuttingDown ? { connection: "close" } : { "retry-after": "5" }));
    return;
  }
  const format = formatOf(headerValue(req.headers["content-type"]));
  if (!format) {
    req.resume();
    sendError(res, new RequestError(415, "CH2105", `unsupported Content-Type "${req.headers["content-type"]}"; send ${JSON_TYPE} or ${MSGPACK_TYPE}`));
    return;
  }

  const raw = await readBody(req, config.maxBodyBytes, (head) => alignedOffsetOf(format, head));
  let body: unknown;
  try {
    body = decode(format, raw);
  } catch (error) {
    throw new RequestError(400, "CH2104", `malformed ${format === "json" ? "JSON" : "MessagePack"} body: ${(error as Error).message}`);
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new RequestError(400, "CH2101", `the body must be an object keyed by parameter name (${meta.runRemote.parameters.map((p) => p.name).join(", ") || "no parameters"})`);
  }
  if (!validators.input(body)) {
    throw new RequestError(400, "CH2101", `invalid input: ${formatIssues(validationIssues(validators.input.errors))}`);
  }

  const slot = gate.tryAcquire();
  if (!slot) {
    metrics.shed();
    throw new RequestError(503, "CH2110", `over capacity: ${gate.limit} calls running and ${gate.maxQueue} waiting (compute.concurrency)`, { "retry-after": "1" });
  }
  const release = await slot;
  try {
    const record = body as Record<string, unknown>;
    const args = meta.runRemote.parameters.map((p) => record[p.name]);
    const result = state.instance.runRemote(...args);
    if (meta.runRemote.streaming || isAsyncIterable(result)) {
      if (!isAsyncIterable(result)) throw new TypeError(`${meta.name}.runRemote must return an AsyncIterable (it streams)`);
      await streamResponse(ctx, res, format, result);
      return;
    }
    const value = await result;
    const checked = checkOutput(validators.output, value);
    if (!checked.ok) {
      throw new RequestError(500, "CH2102", `${meta.name}.runRemote returned a value that does not match its declared return type: ${formatIssues(checked.issues)}`);
    }
    const chunks = encodeChunks(format, checked.value);
    const length = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    res.writeHead(200, { "content-type": format === "msgpack" ? MSGPACK_TYPE : JSON_TYPE, "content-length": length, ...(state.shuttingDown ? { connection: "close" } : {}) });
    // Large typed arrays are chunks of their own, written from the array's memory without a copy.
    for (let i = 0; i < chunks.length - 1; i++) res.write(chunks[i]);
    res.end(chunks[chunks.length - 1]);
  } catch (error) {
    const status = statusOf(error);
    const envelope = sendError(res, error, format);
    const log = status >= 500 ? logger.error.bind(logger) : logger.warn.bind(logger);
    log({ requestId: requestContext.getStore()?.requestId, status, err: envelope }, `runRemote failed: ${redact(error instanceof Error ? error.message : String(error))}`);
  } finally {
    release();
  }
}

/** Resolves when `res` can take more data or the client went away. */
function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

async function streamResponse(ctx: HandlerContext, res: ServerResponse, format: WireFormat, items: AsyncIterable<unknown>): Promise<void> {
  const { spec, logger, redact } = ctx;
  const iterator = items[Symbol.asyncIterator]();
  let clientGone = false;
  const onClose = () => {
    if (res.writableFinished) return;
    clientGone = true;
    // Ends the producer (its `finally` runs), and through a dependency stub, the producers downstream.
    void iterator.return?.().catch(() => undefined);
  };
  res.on("close", onClose);
  res.writeHead(200, { "content-type": format === "msgpack" ? MSGPACK_SEQ_TYPE : NDJSON_TYPE, "cache-control": "no-store" });
  res.flushHeaders();
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done || clientGone) break;
      const checked = checkOutput(spec.validators.output, next.value);
      if (!checked.ok) {
        throw new RequestError(500, "CH2102", `${spec.meta.name}.runRemote yielded an item that does not match its declared item type: ${formatIssues(checked.issues)}`);
      }
      if (!res.write(encodeFrame(format, checked.value))) await drainedOrClosed(res);
      if (clientGone) break;
    }
    if (!clientGone) res.end();
  } catch (error) {
    if (clientGone) return;
    const status = statusOf(error);
    const envelope = toEnvelope(error, spec.meta.name, redact);
    ctx.spans.get(res)?.failed(envelope, status);
    logger.error({ requestId: requestContext.getStore()?.requestId, status, err: envelope }, `stream failed mid-way: ${envelope.message}`);
    res.end(encodeFrame(format, { error: envelope, status }));
  } finally {
    res.off("close", onClose);
  }
}
