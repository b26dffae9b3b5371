import { runtimeError } from "../errors/errors.js";

/**
 * A read-only view of `all` that exposes only `declared` keys. Reading an undeclared key throws, so a
 * Chainlet cannot quietly depend on a secret its `remoteConfig.assets.secretKeys` does not list.
 */
export function scopedSecrets(
  chainlet: string,
  declared: readonly string[],
  all: Readonly<Record<string, string | undefined>>,
): Readonly<Record<string, string>> {
  const values: Record<string, string> = {};
  for (const key of declared) {
    const value = all[key];
    if (value !== undefined) values[key] = value;
  }
  return new Proxy(Object.freeze(values), {
    get(target, key) {
      if (typeof key !== "string") return undefined;
      if (!declared.includes(key)) {
        throw runtimeError("CH2002", { chainlet, key, declared });
      }
      if (!(key in target)) {
        throw runtimeError("CH2003", { chainlet, key });
      }
      return target[key];
    },
    ownKeys: (target) => Reflect.ownKeys(target),
    getOwnPropertyDescriptor: (target, key) => Reflect.getOwnPropertyDescriptor(target, key),
    set: () => false,
  });
}
