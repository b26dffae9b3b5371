import { createServer, type Server } from "node:http";
import { Server as NetServer, type AddressInfo } from "node:net";
import { constructWith } from "../authoring/authoring.js";
import { bearerChecker } from "./auth.js";
import { answerClientErrors } from "./client-errors.js";
import { chainletCallerCheck, envelopeForCaller } from "./caller-envelope.js";
import { splitOpsRoutes } from "./ops-listener.js";
import type { ChainletServerSpec } from "./chainlet-meta.js";
import { ConcurrencyGate } from "../transport/concurrency-gate.js";
import { toEnvelope, type Redact } from "../errors/error-envelope.js";
import { createLogger, type ChainletLogger } from "../observability/logger.js";
import { ChainletMetrics } from "../observability/metrics.js";
import { redactor } from "../observability/redaction.js";
import { activeTracing, startTracing } from "../observability/tracing.js";
import { ChainletResponse } from "./chainlet-response.js";
import { requestHandler } from "./request-handler.js";
import { servedInjector } from "./served-injector.js";
import type { ServerContext, ServerState } from "./server-context.js";
import { READYZ_PATH } from "../protocol/http.js";
import { missingSecrets } from "../authoring/secrets.js";
import { LISTENING_MESSAGE, missingSecretsReason, type ListeningMessage } from "../protocol/readiness.js";
import { settledReadiness } from "./operational-routes.js";
import { readServerConfig, type ServerConfig } from "./server-config.js";
import { Transport } from "../transport/transport.js";

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

/** How often the header and request timeouts are checked: a tenth of the shorter one, between 100 ms and 1 s. */
const timeoutCheckMs = (headersMs: number, requestMs: number) => Math.min(1_000, Math.max(100, Math.min(headersMs, requestMs) / 10));

/** How long a draining server keeps idle keep-alive connections open (see `drain`). */
const DRAIN_IDLE_GRACE_MS = 1_000;

/** What one server holds besides the request context: its logger and its outgoing transport. */
interface Services {
  config: ServerConfig;
  redact: Redact;
  log: ChainletLogger;
  metrics: ChainletMetrics;
  transport: Transport;
}

/**
 * Starts the HTTP server of one Chainlet: what a built `server.mjs` runs. Reads its configuration
 * from `spec.env` (default `process.env`, see the README's runtime section), constructs the Chainlet
 * once with served dependencies, and serves `POST /v1/run_remote`, `/healthz`, `/readyz`, `/metrics`.
 * A constructor that throws does not stop the process: `/readyz` answers 503 with the reason.
 */
export async function startChainletServer(spec: ChainletServerSpec): Promise<RunningChainletServer> {
  const services = createServices(spec);
  await startTracingOrWarn(spec, services);
  const state = construct(spec, services);
  const ctx = serverContext(spec, services, state);
  const handler = requestHandler(ctx);
  const { headersTimeoutMs, requestTimeoutMs } = services.config;
  const server = createServer(
    // Node checks both timeouts only every `connectionsCheckingInterval` (30 s by default), so a
    // 5 s request timeout fired after up to 35 s: checked often enough that each holds to about a second.
    {
      headersTimeout: headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      keepAliveTimeout: 5_000,
      connectionsCheckingInterval: timeoutCheckMs(headersTimeoutMs, requestTimeoutMs),
      ServerResponse: ChainletResponse,
    },
    handler,
  );
  answerClientErrors(server, spec.meta.name);
  const url = await listen(server, services.config);
  await splitOpsRoutes(server, handler, spec.env ?? process.env, services.config.host, spec.meta.name);
  services.log.logger.info({ url, ready: state.instance !== undefined }, `${spec.meta.name} listening on ${url}`);
  // A supervisor such as `chains serve` starts servers on PORT=0 and learns the real port here,
  // which is race-free unlike picking a free port before spawning.
  process.send?.({ type: LISTENING_MESSAGE, url, readiness: settledReadiness(state) } satisfies ListeningMessage);
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= drain(server, state, services));
  if (spec.handleSignals ?? spec.env === undefined) drainOnSignals(services, close);
  return {
    url,
    port: (server.address() as AddressInfo).port,
    server,
    get constructed() {
      return state.instance !== undefined && !state.shuttingDown;
    },
    close,
  };
}

function createServices(spec: ChainletServerSpec): Services {
  const config = readServerConfig(spec.env ?? process.env, spec.meta.config.assets.secretKeys);
  const redact = redactor([...Object.values(config.secrets), config.authToken, ...config.apiKeys]);
  const log = createLogger(spec.meta.name, config.logLevel, redact, spec.logDestination, config.buildId);
  const metrics = new ChainletMetrics(spec.meta.name);
  const transport = new Transport({
    authToken: config.authToken,
    observer: metrics,
    retryBaseMs: config.retryBaseMs,
    maxAnswerBytes: config.maxAnswerBytes,
    maxFrameBytes: config.maxFrameBytes,
  });
  return { config, redact, log, metrics, transport };
}

/** Starts tracing when `OTEL_*` names an endpoint; a setup that fails (a malformed value) leaves the Chainlet serving, untraced. */
async function startTracingOrWarn(spec: ChainletServerSpec, { redact, log }: Services): Promise<void> {
  await startTracing(spec.env ?? process.env, spec.meta.name, redact).catch((error: unknown) => {
    log.logger.warn(`tracing is off: its OTEL_* configuration failed: ${redact(error instanceof Error ? error.message : String(error))}`);
  });
}

/**
 * Constructs the Chainlet once; a constructor that throws leaves the reason for `/readyz`. Declared
 * secrets without a value leave it unconstructed, so `/readyz` names them before any call fails on them.
 */
function construct(spec: ChainletServerSpec, { config, redact, log, transport, metrics }: Services): ServerState {
  const state: ServerState = { shuttingDown: false };
  const missing = missingSecrets(spec.meta.config.assets.secretKeys, config.secrets);
  if (missing.length > 0) {
    state.missingSecrets = missingSecretsReason(spec.meta.name, missing);
    log.logger.error(`${state.missingSecrets}; ${READYZ_PATH} answers 503 until it is supplied`);
    return state;
  }
  try {
    state.instance = constructWith(servedInjector(spec.meta, spec.validators, config, transport, metrics), spec.chainlet) as ServerState["instance"];
  } catch (error) {
    state.constructError = redact(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    const reason = `constructing ${spec.meta.name} failed; ${READYZ_PATH} answers 503 until it is fixed: ${state.constructError}`;
    log.logger.error({ err: toEnvelope(error, spec.meta.name, redact) }, reason);
  }
  return state;
}

function serverContext(spec: ChainletServerSpec, { config, redact, log, metrics }: Services, state: ServerState): ServerContext {
  const { meta } = spec;
  const concurrency = Math.max(1, meta.config.compute.concurrency);
  const gate = new ConcurrencyGate(concurrency, config.maxQueue ?? concurrency * 4);
  metrics.watchRunGate(gate);
  const publicEntrypoint = meta.isEntrypoint && config.entrypointPublic && config.apiKeys.length === 0;
  const accepted = publicEntrypoint ? [] : [...(config.authToken ? [config.authToken] : []), ...(meta.isEntrypoint ? config.apiKeys : [])];
  const forCaller = envelopeForCaller({ isEntrypoint: meta.isEntrypoint, entrypointPublic: config.entrypointPublic, authToken: config.authToken, env: spec.env ?? process.env });
  const fromChainlet = chainletCallerCheck({ isEntrypoint: meta.isEntrypoint, authToken: config.authToken });
  return { spec, config, state, gate, logger: log.logger, access: log.access, metrics, redact, checkBearer: bearerChecker(accepted), forCaller, fromChainlet, spans: new WeakMap() };
}

/** Listens on the configured address; resolves with the URL a client on this machine reaches it by. */
async function listen(server: Server, config: ServerConfig): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;
  return `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`;
}

function drainOnSignals({ config, log }: Services, close: () => Promise<void>): void {
  const onSignal = (signal: NodeJS.Signals) => {
    log.logger.info({ signal }, `received ${signal}: draining (up to ${config.shutdownTimeoutSec}s)`);
    void close().then(() => process.exit(0));
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
  // Started by a supervisor over IPC (`chains serve`, which runs each Chainlet in a session of its own,
  // out of reach of a terminal's signals): when the supervisor is gone, even killed with SIGKILL, nothing
  // is left to route to this process or stop it, so it drains and exits instead of listening on forever.
  if (process.channel) {
    process.once("disconnect", () => {
      log.logger.info(`the supervising process is gone: draining (up to ${config.shutdownTimeoutSec}s)`);
      void close().then(() => process.exit(0));
    });
  }
}

/** Readiness off, stop accepting, let in-flight requests finish up to the deadline, then close the pools. */
async function drain(server: Server, state: ServerState, { config, log, transport }: Services): Promise<void> {
  const { logger, flush } = log;
  state.shuttingDown = true;
  // Stops accepting without `http.Server.close`'s immediate close of idle keep-alive connections: a
  // caller may be writing a request on one right then, and would see a reset it cannot tell from a
  // crash. For a grace period, a request on such a connection is answered 503 "not started" with
  // `Connection: close` instead (a safe retry); only then are the idle ones swept.
  const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
  let sweeper: NodeJS.Timeout | undefined;
  const grace = setTimeout(() => {
    server.closeIdleConnections();
    sweeper = setInterval(() => server.closeIdleConnections(), 100);
  }, Math.min(DRAIN_IDLE_GRACE_MS, config.shutdownTimeoutSec * 500));
  const deadline = setTimeout(() => {
    logger.warn(`shutdown deadline of ${config.shutdownTimeoutSec}s reached: closing the remaining connections`);
    server.closeAllConnections();
  }, config.shutdownTimeoutSec * 1000);
  await closed;
  clearTimeout(grace);
  clearInterval(sweeper);
  clearTimeout(deadline);
  await transport.close();
  await activeTracing()?.shutdown();
  logger.info("drained; all in-flight requests finished");
  flush();
}
