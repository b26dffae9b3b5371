/**
 * The chain IR: the one value the compiler produces and the only input the emitters read.
 * It is written as `<out>/<chain>/chain.json` and validated against `chain-ir.schema.json`.
 * Everything in it is plain JSON so a build can be inspected, diffed and reproduced byte for byte.
 */

/** A JSON Schema (dialect 2020-12) as a plain object. */
export type JsonSchema = { [keyword: string]: unknown };

/**
 * Kebab-case name: lowercase letters and digits in words joined by `-`.
 * @pattern ^[a-z0-9]+(-[a-z0-9]+)*$
 */
export type KebabName = string;

/**
 * A file path relative to the project root, POSIX separators.
 * @minLength 1
 * @pattern ^[^\\]+$
 */
export type RelativePath = string;

/**
 * A name written in the source.
 * @minLength 1
 */
export type SourceName = string;

/**
 * A UTF-16 offset in a source file.
 * @integer
 * @minimum 0
 */
export type SourceOffset = number;

export const IR_VERSION = 1;

/**
 * The chain IR written by `chains build` as <out>/<chain>/chain.json; the only input of the emitters.
 * Generated from compiler/chain-ir.ts (`npm run gen:schemas`).
 */
export interface ChainIR {
  irVersion: typeof IR_VERSION;
  /** Kebab-case chain name, used for folder names, labels and image names. */
  name: KebabName;
  /**
   * Human name: the argument of `@entrypoint("Name")`, or the entrypoint class name.
   * @minLength 1
   */
  displayName: string;
  /** Name of the entrypoint Chainlet. */
  entrypoint: KebabName;
  /**
   * Project root (the folder of the nearest `package.json` or `tsconfig.json` above the entry file),
   * POSIX separators: absolute as `compileChain` returns it, relative to the chain output folder `<out>/<chain>/`
   * in `chain.json` (`irForChainDir`). Every `file` below is relative to it.
   * @minLength 1
   */
  projectRoot: string;
  /** The entry file, relative to `projectRoot`. */
  entryFile: RelativePath;
  /**
   * Chainlets reachable from the entrypoint, sorted by name.
   * @minItems 1
   */
  chainlets: ChainletIR[];
}

export interface ChainletIR {
  /** Kebab-case name: `remoteConfig.name` or the class name (`GreetAll` → `greet-all`). */
  name: KebabName;
  className: SourceName;
  /** Source file declaring the class, relative to `ChainIR.projectRoot`. */
  file: RelativePath;
  isEntrypoint: boolean;
  /**
   * Names of the Chainlets this one calls, in constructor order.
   * @uniqueItems
   */
  dependencies: KebabName[];
  /** The constructor's injected parameters, in order. */
  injections: InjectionIR[];
  runRemote: RunRemoteIR;
  /** True when the class defines `isHealthy()`. */
  hasIsHealthy: boolean;
  /** `remoteConfig` with every default filled in. */
  config: ResolvedRemoteConfig;
  schemas: {
    /** Object keyed by `runRemote` parameter names; non-optional parameters are required. */
    input: JsonSchema;
    /** The return value's schema; for a streaming `runRemote`, the schema of one item. */
    output: JsonSchema;
  };
  /** Where the class and its `depends(...)` calls are, so emitters can rewrite them without re-parsing. */
  source: ChainletSourceIR;
  /**
   * Content hash of the Chainlet's image inputs (see `emitters/build-id.ts`): the default image tag, and
   * what `/healthz`, error envelopes and log lines report. Filled in by the emitters, so absent from
   * the compiler's own output and present in every written `chain.json`.
   * @pattern ^[0-9a-f]{16}$
   */
  buildId?: string;
}

export type InjectionIR =
  | { kind: "depends"; parameter: SourceName; chainlet: KebabName; options: DependsOptions }
  | { kind: "context"; parameter: SourceName };

/**
 * Every option of `depends(Chainlet, options)`, resolved: the runtime's type (with its constraints as JSDoc
 * tags) is the one declaration; `#/$defs/DependsOptions` in chain-ir.schema.json is generated from it.
 */
export interface DependsOptions extends Required<RuntimeDependsOptions> {}

export interface RunRemoteIR {
  parameters: ParameterIR[];
  /** Declared `async` or returns a Promise. */
  async: boolean;
  /** An async generator or a declared `AsyncIterable<T>` return: the output is a stream of items. */
  streaming: boolean;
}

export interface ParameterIR {
  name: SourceName;
  optional: boolean;
}

export interface ChainletSourceIR {
  /** Same as `ChainletIR.file`. */
  file: RelativePath;
  /** UTF-16 offsets of the whole class declaration (decorators and modifiers included). */
  classStart: SourceOffset;
  classEnd: SourceOffset;
  /** How the class is exported from its file. */
  exported: "named" | "default" | "none";
  /** Every `depends(...)` call in the constructor, to be replaced by a call to a remote stub. */
  dependsCalls: DependsCallIR[];
}

export interface DependsCallIR {
  start: SourceOffset;
  end: SourceOffset;
  chainlet: KebabName;
}

export type { GpuType } from "../runtime-node/authoring/remote-config.js";
import type {
  DependsOptions as RuntimeDependsOptions,
  GpuType,
  MemoryQuantity,
  NonEmptyString,
  PositiveInteger,
  ReplicaCount,
} from "../runtime-node/authoring/remote-config.js";

/** `RemoteConfig` (runtime-node/authoring/remote-config.ts) with every default filled in. */
export interface ResolvedRemoteConfig {
  dockerImage: {
    baseImage: NonEmptyString;
    npmRequirements: string[];
    aptRequirements: string[];
    buildCommands: string[];
    /** Relative to the Chainlet's source file, as written; copied into the image. */
    dataDir: string | null;
  };
  compute: {
    /** @exclusiveMinimum 0 */
    cpu: number;
    memory: MemoryQuantity;
    gpu: GpuType | null;
    /**
     * @integer
     * @minimum 0
     */
    gpuCount: number;
    concurrency: PositiveInteger;
    minReplicas: ReplicaCount;
    maxReplicas: PositiveInteger;
  };
  assets: { secretKeys: string[] };
  options: { env: Record<string, string> };
}
