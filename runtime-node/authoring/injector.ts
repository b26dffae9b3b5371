import { runtimeError } from "../errors/errors.js";
import type { DependsOptions, DeploymentContext } from "./remote-config.js";
import type { ChainletClass } from "./chainlet-class.js";

/**
 * Supplies what a Chainlet's constructor asks for. `runLocal` and the server each install one while
 * they construct Chainlets; this is the single piece of global state the runtime keeps, because
 * `depends()` runs inside constructor default parameters and has no other way to reach its caller.
 */
export interface Injector {
  /** A dependency by class (as written in source) or by Chainlet name (after the build's rewrite). */
  dependency(target: ChainletClass | string, options: DependsOptions, requester: ChainletClass): unknown;
  context(requester: ChainletClass): DeploymentContext;
}

interface Frame {
  injector: Injector;
  target: ChainletClass;
}

const frames: Frame[] = [];

/** Constructs `target` with `injector` answering its `depends()` / `dependsContext()` calls. */
export function constructWith<T>(injector: Injector, target: ChainletClass<T>): T {
  // Frames hold the class only for identity checks and context lookups.
  const erased = target as unknown as ChainletClass;
  frames.push({ injector, target: erased });
  try {
    const Ctor = target as unknown as new () => T;
    return new Ctor();
  } finally {
    frames.pop();
  }
}

/** The frame of the constructor now running, or an error that says how Chainlets are made. */
export function currentFrame(what: string): Frame {
  const frame = frames.at(-1);
  if (!frame) {
    throw runtimeError("CH2001", { call: what, viaNew: false });
  }
  return frame;
}

/** True while `target` itself (not a subclass or another class) is being constructed by an injector. */
export function isBeingConstructed(target: Function): boolean {
  return frames.at(-1)?.target === target;
}
