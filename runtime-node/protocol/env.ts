/**
 * Every environment variable a served Chainlet reads, and the defaults it applies: `readServerConfig`
 * parses them, and the emitters (Compose, Kubernetes, the container contract) and `chains serve` set
 * them by these names. The README's runtime section lists them for operators.
 */
export const ENV = {
  port: "PORT",
  host: "HOST",
  logLevel: "LOG_LEVEL",
  /** JSON object: from dependency Chainlet name to base URL. */
  dependencies: "CHAINS_DEPENDENCIES",
  authToken: "CHAINS_AUTH_TOKEN",
  /** Comma-separated extra bearer tokens an entrypoint accepts. */
  apiKeys: "CHAINS_API_KEYS",
  entrypointPublic: "CHAINS_ENTRYPOINT_PUBLIC",
  secretsDir: "CHAINS_SECRETS_DIR",
  environment: "CHAINS_ENVIRONMENT",
  dataDir: "CHAINS_DATA_DIR",
  maxBodyBytes: "CHAINS_MAX_BODY_BYTES",
  /** Largest whole answer (or error answer) read from a dependency or a `StubBase` URL. */
  maxAnswerBytes: "CHAINS_MAX_ANSWER_BYTES",
  /** Largest stream frame (an ndjson line, a MessagePack frame) read from a dependency. */
  maxFrameBytes: "CHAINS_MAX_FRAME_BYTES",
  maxQueue: "CHAINS_MAX_QUEUE",
  shutdownTimeoutSec: "CHAINS_SHUTDOWN_TIMEOUT_SEC",
  headersTimeoutSec: "CHAINS_HEADERS_TIMEOUT_SEC",
  requestTimeoutSec: "CHAINS_REQUEST_TIMEOUT_SEC",
  retryBaseMs: "CHAINS_RETRY_BASE_MS",
  /** The Chainlet's build id (a content hash of its image inputs), set by its image and by `chains serve`. */
  buildId: "CHAINS_BUILD_ID",
  /** Serve the ops routes (health, metrics) on this port only (`runtime-node/server/ops-listener.ts`). */
  opsPort: "CHAINS_OPS_PORT",
  /** `1`: outside callers of the entrypoint get stacks too (staging). */
  exposeStacks: "CHAINS_EXPOSE_STACKS",
} as const;

/** `CHAINS_AUTH_TOKEN` → `CHAINS_AUTH_TOKEN_FILE`: the variable that names a file holding the value instead. */
export function secretFileEnvName(name: string): string {
  return `${name}_FILE`;
}

/** Prefix of the variables that carry one secret each when no secrets folder is mounted. */
export const SECRET_ENV_PREFIX = "CHAINS_SECRET_";

/** `hf_access_token` → `CHAINS_SECRET_HF_ACCESS_TOKEN`. */
export function secretEnvName(key: string): string {
  return `${SECRET_ENV_PREFIX}${key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/[^A-Za-z0-9]+/g, "_").toUpperCase()}`;
}

/** What the server uses when a variable is unset or empty. */
export const ENV_DEFAULTS = {
  port: 8080,
  /** Loopback: a Chainlet is reachable from outside only where a deployment says so. */
  host: "127.0.0.1",
  logLevel: "info",
  maxBodyBytes: 32 * 1024 * 1024,
  maxAnswerBytes: 64 * 1024 * 1024,
  maxFrameBytes: 16 * 1024 * 1024,
  shutdownTimeoutSec: 30,
  headersTimeoutSec: 30,
  requestTimeoutSec: 300,
  retryBaseMs: 100,
} as const;

/** Variables the emitted `compose.yaml` interpolates on the host (not read by the server). */
export const COMPOSE_ENV = {
  /** Absolute path of the folder with one file per secret, mounted as Compose secrets. */
  secretsPath: "CHAINS_SECRETS_PATH",
  bindAddress: "CHAINS_BIND_ADDRESS",
  hostPort: "CHAINS_PORT",
} as const;

/** Variables the `chains` command reads (not the server). */
export const CLI_ENV = {
  /** The bearer token `chains call <url>` sends when `--token` is not given. */
  callToken: "CHAINS_CALL_TOKEN",
} as const;

/**
 * The standard OpenTelemetry variables a served Chainlet's tracing reads (the SDK reads the rest, such as
 * `OTEL_SERVICE_NAME` and `OTEL_TRACES_SAMPLER`, itself). Compose, Kubernetes and `chains serve` set the
 * endpoints by these names.
 */
export const OTEL_ENV = {
  /** The one setting that points every Chainlet at a collector; `/v1/traces` is appended. */
  endpoint: "OTEL_EXPORTER_OTLP_ENDPOINT",
  /** The traces URL as is; wins over `endpoint`. */
  tracesEndpoint: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
  protocol: "OTEL_EXPORTER_OTLP_PROTOCOL",
  tracesProtocol: "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
  sdkDisabled: "OTEL_SDK_DISABLED",
  tracesExporter: "OTEL_TRACES_EXPORTER",
  /** Delay between span batches (ms). */
  batchDelayMs: "OTEL_BSP_SCHEDULE_DELAY",
} as const;

/** The path an OTLP/HTTP receiver takes spans on, appended to `OTEL_EXPORTER_OTLP_ENDPOINT`. */
export const OTLP_TRACES_PATH = "/v1/traces";

/** Variables of Node itself that the emitted images set. */
export const NODE_ENV_VARIABLES = {
  /** The folder of Node's module compile cache (V8's code for each module, read by Node 22.1 and later). */
  compileCache: "NODE_COMPILE_CACHE",
} as const;
