import { resolve } from "node:path";
import { chainletName, constructWith, type ChainletBase, type ChainletClass, type Remote } from "./authoring.js";
import { runtimeError } from "../errors/errors.js";
import type { Injector } from "./injector.js";
import { isStreamingMethod, localEdge, type LocalCallee } from "./local-edge.js";
import { edgeCheck, type ChainSchemas, type LocalChainletSchemas } from "./edge-check.js";
import type { DeploymentContext } from "./remote-config.js";
import { ENV_DEFAULTS } from "../protocol/env.js";
import { scopedSecrets } from "./secrets.js";

/**
 * What may stand in for a Chainlet in `runLocal`: a `runRemote` with the Chainlet's own parameters that
 * returns its result type (directly or as a promise), or, for a streaming Chainlet, an async iterable
 * of its items.
 */
export type Fake<T> = T extends { runRemote(...args: infer A): infer R }
  ? { runRemote(...args: A): R extends AsyncIterable<infer Item> ? AsyncIterable<Item> : Awaited<R> | PromiseLike<Awaited<R>> }
  : never;

/** One replaced Chainlet, made by `fake(Chainlet, { runRemote })`. */
export interface Override {
  readonly chainlet: ChainletClass<any>;
  readonly implementation: LocalCallee;
}

/**
 * Replaces `chainlet` by `implementation` in `runLocal`; tsc checks the fake against the Chainlet's
 * `runRemote` (a wrong return type does not compile). `fake(Classifier, { runRemote: async () => "high" })`.
 */
export function fake<C extends ChainletClass<ChainletBase>>(chainlet: C, implementation: Fake<InstanceType<C>>): Override {
  return { chainlet, implementation: implementation as unknown as LocalCallee };
}

export interface RunLocalOptions {
  /** Secret values; each Chainlet sees only the keys it declares in `assets.secretKeys`. */
  secrets?: Record<string, string>;
  /**
   * Folder each Chainlet's `remoteConfig.dockerImage.dataDir` is resolved against (the folder of the
   * chain's source files; default: the current directory). Chainlets without a `dataDir` get none, as served.
   */
  sourceDir?: string;
  /** `context.dataDir` of every Chainlet, instead of each one's own `dockerImage.dataDir`. */
  dataDir?: string;
  /** Passed to every Chainlet as `context.environment`. */
  environment?: string;
  /**
   * Fakes replacing Chainlets: `[fake(Classifier, { runRemote: async () => "high" })]` (type-checked).
   * A `Map` from class to fake is still accepted, without that check.
   */
  overrides?: readonly Override[] | ReadonlyMap<ChainletClass<any>, { runRemote: (...args: any[]) => unknown }>;
  /** Base of the retry backoff in milliseconds (default as served); tests of retries make it small. */
  retryBaseMs?: number;
  /**
   * Check what crosses each edge as the served wire does (default true): arguments and answers are
   * copied, and a value the wire cannot carry (a function, a class instance, a cycle, NaN in JSON) fails
   * with the error a served hop gives (`RemoteError` with the callee's `CH2101` or `CH2102`).
   */
  checkEdges?: boolean;
  /**
   * The build's validators (`await chainValidators("chain.ts")` from `tschains/vitest`): every value
   * crossing an edge is also checked against the schemas the build emits, unknown properties dropped as
   * between served Chainlets. Needs `checkEdges` (the default).
   */
  schemas?: ChainSchemas;
}

/**
 * Builds the chain in this process, one instance per Chainlet class, and returns the entrypoint's
 * instance. Every `depends()` edge behaves as the served transport does: its `retries` (same policy and
 * backoff), `timeoutSec`, `streamingReadTimeoutSec` and `concurrencyLimit` apply, and calls are async.
 */
export async function runLocal<C extends ChainletClass<ChainletBase>>(entry: C, options: RunLocalOptions = {}): Promise<InstanceType<C>> {
  const instances = new Map<ChainletClass, unknown>();
  const instantiate = (cls: ChainletClass, path: ChainletClass[]): unknown => {
    const existing = instances.get(cls);
    if (existing) return existing;
    if (path.includes(cls)) {
      const cycle = [...path.slice(path.indexOf(cls)), cls].map((c) => c.name).join(" → ");
      throw runtimeError("CH2004", { cycle });
    }
    const instance = constructWith(localInjector(options, (target) => instantiate(target, [...path, cls])), cls);
    instances.set(cls, instance);
    return instance;
  };
  return instantiate(entry, []) as InstanceType<C>;
}

/** Dependencies as local edges around instances (or fakes) that apply each edge's `depends` options as served. */
function localInjector(options: RunLocalOptions, instantiate: (cls: ChainletClass) => unknown): Injector {
  const allSecrets = options.secrets ?? {};
  const fakes = new Map<ChainletClass<any>, LocalCallee>(
    options.overrides instanceof Map ? options.overrides : (options.overrides as readonly Override[] | undefined)?.map((o) => [o.chainlet, o.implementation]),
  );
  return {
    dependency(target, dependsOptions, requester) {
      if (typeof target === "string") throw runtimeError("CH2005", { requester: requester.name });
      const callee = fakes.get(target) ?? (instantiate(target) as LocalCallee);
      const streaming = isStreamingMethod((target.prototype as Partial<LocalCallee>).runRemote);
      const retryBaseMs = options.retryBaseMs ?? ENV_DEFAULTS.retryBaseMs;
      const name = chainletName(target);
      const edgeOptions = dependsOptions as Required<typeof dependsOptions>;
      const check = options.checkEdges === false ? undefined : edgeCheck(name, edgeOptions.binary, schemasOf(options.schemas, name));
      return localEdge(name, callee, streaming, edgeOptions, retryBaseMs, check) as Remote<ChainletBase>;
    },
    context(requester): DeploymentContext {
      const name = chainletName(requester);
      const ownDataDir = requester.remoteConfig?.dockerImage?.dataDir;
      return {
        secrets: scopedSecrets(name, requester.remoteConfig?.assets?.secretKeys ?? [], allSecrets),
        dataDir: options.dataDir ?? (ownDataDir === undefined ? undefined : resolve(options.sourceDir ?? process.cwd(), ownDataDir)),
        environment: options.environment,
        chainletToService: {},
      };
    },
  };
}

/** The build's validators of Chainlet `name`; a chain given without it is a mistake worth a clear error. */
function schemasOf(schemas: ChainSchemas | undefined, name: string): LocalChainletSchemas | undefined {
  if (!schemas) return undefined;
  if (!Object.hasOwn(schemas, name)) throw new Error(`runLocal: the schemas given hold no Chainlet "${name}" (they hold ${Object.keys(schemas).join(", ") || "none"}); were they loaded from this chain?`);
  return schemas[name];
}
