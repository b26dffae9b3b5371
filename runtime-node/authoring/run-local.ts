import { chainletName, constructWith, type ChainletBase, type ChainletClass, type Remote } from "./authoring.js";
import { runtimeError } from "../errors/errors.js";
import type { Injector } from "./injector.js";
import type { DeploymentContext } from "./remote-config.js";
import { scopedSecrets } from "./secrets.js";

export interface RunLocalOptions {
  /** Secret values; each Chainlet sees only the keys it declares in `assets.secretKeys`. */
  secrets?: Record<string, string>;
  /** Passed to every Chainlet as `context.dataDir`. */
  dataDir?: string;
  /** Passed to every Chainlet as `context.environment`. */
  environment?: string;
  /** Replace Chainlets by fakes: `new Map([[Classifier, { runRemote: async () => "high" }]])`. */
  overrides?: Map<ChainletClass<any>, { runRemote: (...args: any[]) => unknown }>;
}

/**
 * Builds the chain in this process, one instance per Chainlet class, and returns the entrypoint's
 * instance. Dependencies are injected as async wrappers around the real instances (or the fakes in
 * `overrides`), so calls look to the caller exactly as they do when served.
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

type Callable = { runRemote: (...args: any[]) => unknown };

/** Dependencies as async wrappers around local instances (or fakes), as callers see them when served. */
function localInjector(options: RunLocalOptions, instantiate: (cls: ChainletClass) => unknown): Injector {
  const allSecrets = options.secrets ?? {};
  return {
    dependency(target, _options, requester) {
      if (typeof target === "string") throw runtimeError("CH2005", { requester: requester.name });
      return asRemote(options.overrides?.get(target) ?? (instantiate(target) as Callable));
    },
    context(requester): DeploymentContext {
      const name = chainletName(requester);
      return {
        secrets: scopedSecrets(name, requester.remoteConfig?.assets?.secretKeys ?? [], allSecrets),
        dataDir: options.dataDir,
        environment: options.environment,
        chainletToService: {},
      };
    },
  };
}

function asRemote(target: Callable): Remote<ChainletBase> {
  return {
    runRemote: (...args: unknown[]) => {
      const result = target.runRemote(...args);
      if (isAsyncIterable(result)) return result;
      return Promise.resolve(result);
    },
  } as unknown as Remote<ChainletBase>;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}
