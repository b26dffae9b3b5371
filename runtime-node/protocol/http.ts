/**
 * The HTTP contract of a served Chainlet: its routes, the media types of its bodies and the headers
 * it reads and writes. The server, the transport, the generated client and every emitter that
 * describes a service (OpenAPI, probes, Compose, Kubernetes) import these instead of spelling them.
 */

/** `POST`: one `runRemote` call, the arguments keyed by parameter name. */
export const RUN_REMOTE_PATH = "/v1/run_remote";
/** Liveness: 200 while the process serves. */
export const HEALTHZ_PATH = "/healthz";
/** Readiness: 200 once constructed and healthy, 503 with a reason otherwise. */
export const READYZ_PATH = "/readyz";
/** Prometheus text exposition. */
export const METRICS_PATH = "/metrics";

/** Every route and the methods it accepts; anything else is a 404 or a 405. */
export const ROUTES: Readonly<Record<string, readonly string[]>> = {
  [RUN_REMOTE_PATH]: ["POST"],
  [HEALTHZ_PATH]: ["GET", "HEAD"],
  [READYZ_PATH]: ["GET", "HEAD"],
  [METRICS_PATH]: ["GET"],
};

/** Routes probes and scrapers call: not logged per request. */
export const OPERATIONAL_PATHS: ReadonlySet<string> = new Set([HEALTHZ_PATH, READYZ_PATH, METRICS_PATH]);

export const JSON_TYPE = "application/json";
export const MSGPACK_TYPE = "application/msgpack";
/** The older MessagePack media type, accepted on requests. */
export const MSGPACK_LEGACY_TYPE = "application/x-msgpack";
export const NDJSON_TYPE = "application/x-ndjson";
/** Binary streams: each item one length-prefixed MessagePack frame (4-byte big-endian length). */
export const MSGPACK_SEQ_TYPE = "application/vnd.tschains.msgpack-seq";

/** Correlates one call across every hop; echoed on every answer. */
export const REQUEST_ID_HEADER = "x-request-id";
/** W3C trace context, propagated to dependencies. */
export const TRACEPARENT_HEADER = "traceparent";
