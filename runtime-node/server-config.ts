import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ChainsError } from "./errors.js";

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
  /** Requests allowed to wait for a `runRemote` slot before the server answers 503. */
  maxQueue?: number;
  shutdownTimeoutSec: number;
  /** Time a client has to send its request headers / whole request (slow-client protection). */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  logLevel: string;
  /** The Chainlet's build id (`CHAINS_BUILD_ID`, set by its image and by `chains serve`), when known. */
  buildId?: string;
}

/** The environment variable carrying the Chainlet's build id (a content hash of its image inputs). */
export const BUILD_ID_ENV = "CHAINS_BUILD_ID";

const MIB = 1024 * 1024;

type Env = Record<string, string | undefined>;

function positiveNumber(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new ChainsError("CH2130", `${name} must be a positive number, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function port(env: Env): number {
  const raw = env.PORT;
  if (raw === undefined || raw === "") return 8080;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new ChainsError("CH2130", `PORT must be an integer from 0 to 65535, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function dependencies(env: Env): Record<string, string> {
  const raw = env.CHAINS_DEPENDENCIES;
  if (raw === undefined || raw === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ChainsError("CH2130", "CHAINS_DEPENDENCIES must be a JSON object mapping Chainlet names to base URLs");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ChainsError("CH2130", "CHAINS_DEPENDENCIES must be a JSON object mapping Chainlet names to base URLs");
  }
  for (const [name, url] of Object.entries(parsed)) {
    if (typeof url !== "string" || !URL.canParse(url)) {
      throw new ChainsError("CH2130", `CHAINS_DEPENDENCIES["${name}"] is not a URL`);
    }
  }
  return parsed as Record<string, string>;
}

/** `hf_access_token` → `CHAINS_SECRET_HF_ACCESS_TOKEN`. */
export function secretEnvName(key: string): string {
  return `CHAINS_SECRET_${key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/[^A-Za-z0-9]+/g, "_").toUpperCase()}`;
}

function secrets(env: Env, declared: readonly string[]): Record<string, string> {
  const dir = env.CHAINS_SECRETS_DIR;
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

/** Reads the served Chainlet's configuration; `declaredSecrets` limits which secrets are loaded at all. */
export function readServerConfig(env: Env, declaredSecrets: readonly string[]): ServerConfig {
  const keys = (env.CHAINS_API_KEYS ?? "").split(",").map((k) => k.trim()).filter((k) => k.length > 0);
  const queue = env.CHAINS_MAX_QUEUE;
  return {
    port: port(env),
    host: env.HOST || "127.0.0.1",
    dependencies: dependencies(env),
    authToken: env.CHAINS_AUTH_TOKEN || undefined,
    apiKeys: keys,
    entrypointPublic: env.CHAINS_ENTRYPOINT_PUBLIC === "1" || env.CHAINS_ENTRYPOINT_PUBLIC === "true",
    secrets: secrets(env, declaredSecrets),
    environment: env.CHAINS_ENVIRONMENT || undefined,
    dataDir: env.CHAINS_DATA_DIR || undefined,
    maxBodyBytes: positiveNumber(env, "CHAINS_MAX_BODY_BYTES", 32 * MIB),
    maxQueue: queue === undefined || queue === "" ? undefined : Math.floor(positiveNumber(env, "CHAINS_MAX_QUEUE", 1)),
    shutdownTimeoutSec: positiveNumber(env, "CHAINS_SHUTDOWN_TIMEOUT_SEC", 30),
    headersTimeoutMs: positiveNumber(env, "CHAINS_HEADERS_TIMEOUT_SEC", 30) * 1000,
    requestTimeoutMs: positiveNumber(env, "CHAINS_REQUEST_TIMEOUT_SEC", 300) * 1000,
    logLevel: env.LOG_LEVEL || "info",
    buildId: env[BUILD_ID_ENV] || undefined,
  };
}
