import type { ChainletClass } from "./chainlet-class.js";
import { runtimeError } from "../errors/errors.js";
import { constructWith, currentFrame, isBeingConstructed } from "./injector.js";
import { DEPENDS_DEFAULTS, type DependsOptions, type DeploymentContext, type RemoteConfig } from "./remote-config.js";

export { constructWith };

const ENTRYPOINT = Symbol.for("tschains.entrypoint");

export type { ChainletClass } from "./chainlet-class.js";

/** The result type a caller sees: streams stay async iterables, everything else becomes a Promise. */
export type RemoteResult<R> = R extends AsyncIterable<infer Item> ? AsyncIterable<Item> : Promise<Awaited<R>>;

/** How a dependency looks to its caller: only `runRemote`, with the callee's own parameter types. */
export type Remote<T> = T extends { runRemote(...args: infer A): infer R }
  ? { runRemote(...args: A): RemoteResult<R> }
  : never;

/**
 * Base class of every Chainlet. A subclass defines one public method, `runRemote`, whose parameter
 * and return types the compiler turns into the service's wire schema, and optionally `isHealthy()`.
 * Chainlets are never constructed with `new` by user code: `runLocal`, `chains serve` and the built
 * services construct them, so that `depends()` and `dependsContext()` can be injected.
 */
export abstract class ChainletBase {
  /** Deployment configuration; must be a literal the compiler can read without running code. */
  static remoteConfig?: RemoteConfig;

  constructor() {
    if (!isBeingConstructed(new.target)) {
      throw runtimeError("CH2001", { chainlet: new.target.name, viaNew: true });
    }
  }
}

/**
 * Declares that this Chainlet calls `chainlet`. Use it only as a constructor parameter default:
 * `constructor(private readonly hello = depends(SayHello, { retries: 2 }))`. The returned stub's
 * `runRemote` has the dependency's own signature (always async), so tsc checks every call.
 */
export function depends<C extends ChainletClass<ChainletBase>>(chainlet: C, options: DependsOptions = {}): Remote<InstanceType<C>> {
  const frame = currentFrame("depends()");
  return frame.injector.dependency(chainlet, { ...DEPENDS_DEFAULTS, ...options }, frame.target) as Remote<InstanceType<C>>;
}

/**
 * What built bundles call instead of `depends(Class, ...)`: the compiler rewrites each call to name
 * the dependency, so a Chainlet's bundle never contains the code of the Chainlets it only calls.
 * @internal
 */
export function dependsOn(chainletName: string, options: DependsOptions): unknown {
  const frame = currentFrame("depends()");
  return frame.injector.dependency(chainletName, { ...DEPENDS_DEFAULTS, ...options }, frame.target);
}

/** Injects the `DeploymentContext` (secrets, data folder, environment, service URLs). */
export function dependsContext(): DeploymentContext {
  const frame = currentFrame("dependsContext()");
  return frame.injector.context(frame.target);
}

type ChainletDecorator = <C extends abstract new () => ChainletBase>(value: C, context: ClassDecoratorContext<C>) => void;

/**
 * Marks the Chain's entrypoint, the Chainlet outside callers talk to. `@entrypoint` names the chain
 * after the class; `@entrypoint("Hello World")` gives it a name.
 */
export function entrypoint<C extends abstract new () => ChainletBase>(value: C, context: ClassDecoratorContext<C>): void;
export function entrypoint(chainName: string): ChainletDecorator;
export function entrypoint(
  valueOrName: string | (abstract new () => ChainletBase),
  context?: ClassDecoratorContext,
): ChainletDecorator | void {
  if (typeof valueOrName === "string") {
    const chainName = valueOrName;
    return (value) => {
      Object.defineProperty(value, ENTRYPOINT, { value: chainName });
    };
  }
  if (context?.kind !== "class") throw new TypeError("@entrypoint decorates Chainlet classes only");
  Object.defineProperty(valueOrName, ENTRYPOINT, { value: valueOrName.name });
}

/** The chain name given by `@entrypoint`, or undefined when the class is not marked. */
export function entrypointName(chainlet: Function): string | undefined {
  return (chainlet as unknown as Record<symbol, string | undefined>)[ENTRYPOINT];
}

/** `GreetAll` → `greet-all`, `HTTPFetcher` → `http-fetcher`, `say_hello` → `say-hello`. */
export function kebabCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1-$2")
    .replace(/[_\s]+/g, "-")
    .toLowerCase();
}

/** The Chainlet's service name: `remoteConfig.name` or its class name, kebab-cased. */
export function chainletName(chainlet: ChainletClass): string {
  return kebabCase(chainlet.remoteConfig?.name ?? chainlet.name);
}
