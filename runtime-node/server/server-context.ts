import type { ServerResponse } from "node:http";
import type { RuntimeLogger } from "../observability/logger.js";
import type { BearerVerdict } from "./auth.js";
import type { ChainletServerSpec } from "./chainlet-meta.js";
import type { ConcurrencyGate } from "../transport/concurrency-gate.js";
import type { Redact } from "../errors/error-envelope.js";
import type { AccessRecord } from "../observability/access-log.js";
import type { ChainletMetrics } from "../observability/metrics.js";
import type { RequestSpan } from "../observability/tracing.js";
import type { ForCaller } from "./caller-envelope.js";
import type { ServerConfig } from "./server-config.js";

/** The served Chainlet instance, or why there is none, and whether the server drains. */
export interface ServerState {
  instance?: { runRemote(...args: unknown[]): unknown; isHealthy?(): boolean | Promise<boolean> };
  constructError?: string;
  /** Set when declared secrets have no value: the Chainlet is not constructed and `/readyz` names them. */
  missingSecrets?: string;
  shuttingDown: boolean;
}

/** Everything a request's phases read: built once per server, shared by every request. */
export interface ServerContext {
  spec: ChainletServerSpec;
  config: ServerConfig;
  state: ServerState;
  gate: ConcurrencyGate;
  logger: RuntimeLogger;
  /** Logs one answered call in the access log. */
  access: (record: AccessRecord) => void;
  metrics: ChainletMetrics;
  redact: Redact;
  checkBearer: (header: string | undefined) => BearerVerdict;
  /** The span of each traced request in flight (see request-span.ts). */
  spans: WeakMap<ServerResponse, RequestSpan>;
  /** What of an error envelope this request's caller gets (outside callers: no stacks, no paths). */
  forCaller: ForCaller;
  /** Whether a request's `Authorization` marks it as coming from another Chainlet (read tolerantly). */
  fromChainlet: (authorization: string | undefined) => boolean;
}
