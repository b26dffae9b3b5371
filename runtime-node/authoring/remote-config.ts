import type { GpuType } from "../protocol/gpus.js";

export type { GpuType } from "../protocol/gpus.js";

/**
 * A Kubernetes memory quantity with a unit: `512Mi`, `2Gi`, `1G`, `1.5Gi`.
 * @pattern ^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|k|K|M|G|T)$
 */
export type MemoryQuantity = string;

/**
 * A whole number of at least 1.
 * @integer
 * @minimum 1
 */
export type PositiveInteger = number;

/**
 * A whole number of replicas, 0 included.
 * @integer
 * @minimum 0
 */
export type ReplicaCount = number;

/**
 * A string with at least one character.
 * @minLength 1
 */
export type NonEmptyString = string;

/**
 * Static deployment configuration of a Chainlet, read by the compiler from the class's
 * `static remoteConfig` literal (it is never evaluated at build time, so it must be a literal).
 */
export interface RemoteConfig {
  /**
   * Display and service name, `[a-zA-Z0-9_-]+`; defaults to the class name in kebab-case.
   * @pattern ^[a-zA-Z0-9_-]+$
   */
  name?: string;
  dockerImage?: {
    /**
     * Defaults to `node:24-slim` (`DEFAULT_BASE_IMAGE`). A reference pinned by digest
     * (`node:24-slim@sha256:<64 hex>`) is kept as written.
     */
    baseImage?: NonEmptyString;
    /** npm packages installed in the image and kept out of the bundle, e.g. `"sharp@0.33.5"`. */
    npmRequirements?: NonEmptyString[];
    /** Debian packages installed in the image. */
    aptRequirements?: NonEmptyString[];
    /** Extra shell commands run while building the image. */
    buildCommands?: NonEmptyString[];
    /** Folder (relative to the Chainlet's file) copied into the image; exposed as `context.dataDir`. */
    dataDir?: NonEmptyString;
  };
  compute?: {
    /**
     * vCPUs; default 1.
     * @exclusiveMinimum 0
     */
    cpu?: number;
    /** Kubernetes quantity such as `512Mi` or `2Gi`; default `2Gi`. */
    memory?: MemoryQuantity;
    gpu?: GpuType;
    /** GPUs of `gpu` type; default 1 when `gpu` is set. */
    gpuCount?: PositiveInteger;
    /** Most `runRemote` calls in flight in one replica; default 32. */
    concurrency?: PositiveInteger;
    /**
     * Replica bounds for autoscaling; default 1 and 1 (no autoscaler). `minReplicas: 0` (not for the
     * entrypoint) lets a Chainlet scale to zero under the KEDA HTTP add-on, which wakes it on a call.
     */
    minReplicas?: ReplicaCount;
    maxReplicas?: PositiveInteger;
  };
  assets?: {
    /**
     * Names of the secrets this Chainlet may read through `context.secrets`.
     * @uniqueItems
     */
    secretKeys?: string[];
  };
  options?: {
    /**
     * Plain environment variables, never secrets.
     * @propertyNames {"pattern": "^[A-Za-z_][A-Za-z0-9_]*$"}
     */
    env?: Record<string, string>;
  };
}

/** What a Chainlet learns about its deployment, injected with `dependsContext()`. */
export interface DeploymentContext {
  /** Only the declared `assets.secretKeys`; reading any other key throws. */
  readonly secrets: Readonly<Record<string, string>>;
  /** Absolute path of the Chainlet's `dockerImage.dataDir` copy, when it has one. */
  readonly dataDir?: string;
  /** Deployment environment name (`CHAINS_ENVIRONMENT`). */
  readonly environment?: string;
  /** Base URL of every dependency, by Chainlet name. */
  readonly chainletToService: Readonly<Record<string, { url: string }>>;
}

/** Options of one dependency edge: `depends(Chainlet, options)`. */
export interface DependsOptions {
  /**
   * Extra attempts after the first, only for failures a retry can fix (default 0).
   * @integer
   * @minimum 0
   */
  retries?: number;
  /**
   * Per-call timeout in seconds (default 600).
   * @exclusiveMinimum 0
   */
  timeoutSec?: number;
  /** Most calls in flight to this dependency; the rest queue (default 300). */
  concurrencyLimit?: PositiveInteger;
  /** Send and receive MessagePack instead of JSON (default false). */
  binary?: boolean;
  /**
   * Longest gap between two stream items, in seconds (default 600).
   * @exclusiveMinimum 0
   */
  streamingReadTimeoutSec?: number;
}

/** Defaults applied when an option is not given; the compiler writes the resolved values into the IR. */
export const DEPENDS_DEFAULTS: Required<DependsOptions> = {
  retries: 0,
  timeoutSec: 600,
  concurrencyLimit: 300,
  binary: false,
  streamingReadTimeoutSec: 600,
};
