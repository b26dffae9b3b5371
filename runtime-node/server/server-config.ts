import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { runtimeError } from "../errors/errors.js";
import { ENV, ENV_DEFAULTS, secretEnvName, secretFileEnvName } from "../protocol/env.js";

/** Everything a served Chainlet reads from its environment, parsed once at start-up. */
export interface ServerConfig {
  port: number;
  host: string;
  /** Dependency Chainlet name → base URL (`CHAINS_DEPENDENCIES`). */
  dependencies: Record<string, string>;
  /** Internal bearer token: required on `/v1/run_remote` and sent on every dependency call. */
  authToken?: string;
  /** Extra bearer tokens the entrypoint accepts from outside callers. */
  apiKeys: string[];
  /**
   * `CHAINS_ENTRYPOINT_PUBLIC=1`: the entrypoint takes calls without a token unless `CHAINS_API_KEYS` is set
   * (what `chains serve` wants on loopback); the token is still sent to dependencies.
   */
  entrypointPublic: boolean;
  /** Secret values by key, from `CHAINS_SECRETS_DIR` files or `CHAINS_SECRET_<KEY>` variables. */
  secrets: Record<string, string>;
  environment?: string;
  dataDir?: string;
  maxBodyBytes: number;
  /** Largest answer / stream frame read from a dependency (`CHAINS_MAX_ANSWER_BYTES`, `CHAINS_MAX_FRAME_BYTES`). */
  maxAnswerBytes: number;
  maxFrameBytes: number;
  /** Requests allowed to wait for a `runRemote` slot before the server answers 503. */
  maxQueue?: number;
  shutdownTimeoutSec: number;
  /** Time a client has to send its request headers / whole request (slow-client protection). */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  logLevel: string;
  /** Base of the dependency calls' retry backoff. */
  retryBaseMs: number;
  /** The Chainlet's build id, when known. */
  buildId?: string;
}

type Env = Record<string, string | undefined>;

const invalid = (variable: string, problem: string) => runtimeError("CH2130", { variable, problem });

function positiveNumber(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw invalid(name, `must be a positive number, got ${JSON.stringify(raw)}`);
  return value;
}

/** Unlike the other numbers, an unreadable retry base falls back to the default, as it always has. */
function retryBaseMs(env: Env): number {
  const value = Number(env[ENV.retryBaseMs]);
  return env[ENV.retryBaseMs] && Number.isFinite(value) && value >= 0 ? value : ENV_DEFAULTS.retryBaseMs;
}

function port(env: Env): number {
  const raw = env[ENV.port];
  if (raw === undefined || raw === "") return ENV_DEFAULTS.port;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw invalid(ENV.port, `must be an integer from 0 to 65535, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function dependencies(env: Env): Record<string, string> {
  const raw = env[ENV.dependencies];
  if (raw === undefined || raw === "") return {};
  const notAMap = () => invalid(ENV.dependencies, "must be a JSON object mapping Chainlet names to base URLs");
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw notAMap();
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw notAMap();
  for (const [name, url] of Object.entries(parsed)) {
    if (typeof url !== "string" || !URL.canParse(url)) throw runtimeError("CH2130", { variable: `${ENV.dependencies}["${name}"]`, problem: "is not a URL" });
  }
  return parsed as Record<string, string>;
}

function secrets(env: Env, declared: readonly string[]): Record<string, string> {
  const dir = env[ENV.secretsDir];
  const values: Record<string, string> = {};
  if (dir) {
    const files = new Set(readdirSync(dir));
    for (const key of declared) {
      // Kubernetes mounts each Secret key as a file; a trailing newline is an editor artefact, not data.
      if (files.has(key)) values[key] = readFileSync(join(dir, key), "utf8").replace(/\r?\n$/, "");
    }
    return values;
  }
  for (const key of declared) {
    const value = env[secretEnvName(key)];
    if (value !== undefined) values[key] = value;
  }
  return values;
}

const flag = (raw: string | undefined) => raw === "1" || raw === "true";

/** Largest secret file read; a token or key list is far smaller, anything bigger is a wrong path. */
const SECRET_FILE_MAX_BYTES = 64 * 1024;

/**
 * A secret given as `<NAME>_FILE` (a Compose or Docker secret mounted as a file, so the value shows in no
 * `docker inspect`) or else as `<NAME>`. A trailing newline in the file is an editor artefact, not data.
 */
function secretValue(env: Env, name: string): string | undefined {
  const variable = secretFileEnvName(name);
  const file = env[variable];
  if (!file) return env[name];
  let size: number;
  try {
    size = statSync(file).size;
  } catch (error) {
    throw invalid(variable, `names ${JSON.stringify(file)}, which cannot be read: ${(error as Error).message}`);
  }
  if (size > SECRET_FILE_MAX_BYTES) throw invalid(variable, `names a file of ${size} bytes; a secret file holds at most ${SECRET_FILE_MAX_BYTES}`);
  return readFileSync(file, "utf8").replace(/\r?\n$/, "");
}

/** Reads the served Chainlet's configuration; `declaredSecrets` limits which secrets are loaded at all. */
export function readServerConfig(env: Env, declaredSecrets: readonly string[]): ServerConfig {
  const keys = (secretValue(env, ENV.apiKeys) ?? "").split(",").map((k) => k.trim()).filter((k) => k.length > 0);
  const queue = env[ENV.maxQueue];
  return {
    port: port(env),
    host: env[ENV.host] || ENV_DEFAULTS.host,
    dependencies: dependencies(env),
    authToken: secretValue(env, ENV.authToken) || undefined,
    apiKeys: keys,
    entrypointPublic: flag(env[ENV.entrypointPublic]),
    secrets: secrets(env, declaredSecrets),
    environment: env[ENV.environment] || undefined,
    dataDir: env[ENV.dataDir] || undefined,
    maxBodyBytes: positiveNumber(env, ENV.maxBodyBytes, ENV_DEFAULTS.maxBodyBytes),
    maxAnswerBytes: positiveNumber(env, ENV.maxAnswerBytes, ENV_DEFAULTS.maxAnswerBytes),
    maxFrameBytes: positiveNumber(env, ENV.maxFrameBytes, ENV_DEFAULTS.maxFrameBytes),
    maxQueue: queue === undefined || queue === "" ? undefined : Math.floor(positiveNumber(env, ENV.maxQueue, 1)),
    shutdownTimeoutSec: positiveNumber(env, ENV.shutdownTimeoutSec, ENV_DEFAULTS.shutdownTimeoutSec),
    headersTimeoutMs: positiveNumber(env, ENV.headersTimeoutSec, ENV_DEFAULTS.headersTimeoutSec) * 1000,
    requestTimeoutMs: positiveNumber(env, ENV.requestTimeoutSec, ENV_DEFAULTS.requestTimeoutSec) * 1000,
    logLevel: env[ENV.logLevel] || ENV_DEFAULTS.logLevel,
    retryBaseMs: retryBaseMs(env),
    buildId: env[ENV.buildId] || undefined,
  };
}
