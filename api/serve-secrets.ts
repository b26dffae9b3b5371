import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ChainIR, ChainletIR } from "../compiler/chain-ir.js";
import { ENV, SECRET_ENV_PREFIX, secretEnvName } from "../runtime-node/protocol/env.js";

type Env = Record<string, string | undefined>;

/**
 * `env` with every `CHAINS_SECRET_*` variable removed except those of `chainlet`'s declared secret keys:
 * a process holds only the secrets its Chainlet declares, as in Compose and Kubernetes.
 */
export function scopeSecretEnv(env: Env, chainlet: ChainletIR): Env {
  const allowed = new Set(chainlet.config.assets.secretKeys.map(secretEnvName));
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith(SECRET_ENV_PREFIX) || allowed.has(name)));
}

/** A declared secret key with no value in `env` (neither the variable nor a file in `CHAINS_SECRETS_DIR`). */
export interface MissingSecret {
  chainlet: string;
  key: string;
}

export function missingServeSecrets(ir: ChainIR, env: Env): MissingSecret[] {
  const dir = env[ENV.secretsDir];
  return ir.chainlets.flatMap((chainlet) =>
    chainlet.config.assets.secretKeys
      .filter((key) => (dir ? !existsSync(join(dir, key)) : env[secretEnvName(key)] === undefined))
      .map((key) => ({ chainlet: chainlet.name, key })),
  );
}

/** The refusal `chains serve` prints: each missing secret, who declares it, and the ways to supply it. */
export function describeMissingSecrets(missing: readonly MissingSecret[]): string {
  const lines = missing.map(({ chainlet, key }) => `  - "${key}" (declared by Chainlet "${chainlet}"): set ${secretEnvName(key)}`);
  return (
    `cannot serve: ${missing.length === 1 ? "a declared secret has" : `${missing.length} declared secrets have`} no value\n` +
    `${lines.join("\n")}\n` +
    `Supply each as an environment variable (export it, or \`node --env-file=.env\`), or put a file named ` +
    `after the key in a folder given as ${ENV.secretsDir}.`
  );
}
