import { ChainsError } from "./errors.js";

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
        throw new ChainsError(
          "CH2002",
          `Chainlet "${chainlet}" read secret "${key}", which is not in its remoteConfig.assets.secretKeys ` +
            `(${declared.length > 0 ? declared.join(", ") : "none declared"}).`,
        );
      }
      if (!(key in target)) {
        throw new ChainsError("CH2003", `Secret "${key}" of Chainlet "${chainlet}" has no value in this deployment.`);
      }
      return target[key];
    },
    ownKeys: (target) => Reflect.ownKeys(target),
    getOwnPropertyDescriptor: (target, key) => Reflect.getOwnPropertyDescriptor(target, key),
    set: () => false,
  });
}

/** The declared secret keys that have no value in `values`, in declaration order. */
export function missingSecrets(declared: readonly string[], values: Readonly<Record<string, string>>): string[] {
  return declared.filter((key) => !Object.hasOwn(values, key));
}

/**
 * Why a Chainlet is not ready when declared secrets have no value: names each one and where it may come
 * from, so `/readyz` (503) explains the problem before any call fails with it.
 */
export function missingSecretsReason(chainlet: string, missing: readonly string[], envName: (key: string) => string): string {
  const list = missing.map((key) => `"${key}" (${envName(key)} or a file named ${key} in CHAINS_SECRETS_DIR)`).join(", ");
  return `declared secret${missing.length > 1 ? "s" : ""} of Chainlet "${chainlet}" without a value: ${list}`;
}
