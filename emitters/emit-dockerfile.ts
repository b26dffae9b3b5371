import type { ChainIR, ChainletIR } from "../compiler/chain-ir.js";
import { ENV, NODE_ENV_VARIABLES } from "../runtime-node/protocol/env.js";
import { HEALTHZ_PATH } from "../runtime-node/protocol/http.js";
import { CHAINLET_SERVER_FILE, SERVED_RUNTIME_DIR, SERVED_RUNTIME_FILE } from "./context-files.js";
import { COMPILE_CACHE_DIR, CONTAINER_PORT, RUN_AS_UID } from "./deploy/container-contract.js";
import { diagnosticMessage } from "../compiler/diagnostic-messages.js";
import { isReservedEnvName } from "../compiler/remote-config-strings.js";
import { aptPackageWord, dockerfileImage, dockerfileShellCommand, dockerfileWord } from "./dockerfile-escape.js";
import { EmitError } from "./emit-error.js";
import { renderTemplate } from "./render-template.js";

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** What the Dockerfile needs to know about the rest of the context. */
export interface DockerContextShape {
  hasNpmRequirements: boolean;
  /** A `package-lock.json` is in the context: install with `npm ci`. */
  hasLockfile: boolean;
  /** The `data/` folder is in the context. */
  hasDataDir: boolean;
}

/**
 * Renders the Chainlet's `Dockerfile` and `.dockerignore` from the templates in `emitters/templates`.
 * With `buildId`, the image sets `CHAINS_BUILD_ID` to it (what `/healthz` and error envelopes report).
 * Every value is escaped here for the place it goes (see dockerfile-escape.ts), so the template only arranges.
 */
export function emitDockerfiles(
  ir: ChainIR,
  chainlet: ChainletIR,
  shape: DockerContextShape,
  buildId?: string,
): { dockerfile: string; dockerignore: string } {
  const { dockerImage, compute, options } = chainlet.config;
  const where = `Chainlet "${chainlet.name}": remoteConfig.dockerImage`;
  const data = {
    chain: ir.name,
    chainlet: chainlet.name,
    labels: {
      chain: dockerfileWord(ir.name, "the chain name"),
      chainlet: dockerfileWord(chainlet.name, "the Chainlet name"),
      description: dockerfileWord(`${chainlet.className}, a Chainlet of the ${ir.displayName} chain (tschains)`, "the image description"),
    },
    baseImage: dockerfileImage(dockerImage.baseImage, `${where}.baseImage`),
    aptRequirements: [...dockerImage.aptRequirements].sort().map((spec, index) => aptPackageWord(spec, `${where}.aptRequirements[${index}]`)),
    buildCommands: dockerImage.buildCommands.map((command, index) => dockerfileShellCommand(command, `${where}.buildCommands[${index}]`)),
    env: Object.entries(options.env)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, value]) => ({ name: envName(name, chainlet.name), value: dockerfileWord(value, `Chainlet "${chainlet.name}": remoteConfig.options.env.${name}`) })),
    gpu: compute.gpu,
    gpuCount: compute.gpuCount,
    hasNpmRequirements: shape.hasNpmRequirements,
    hasLockfile: shape.hasLockfile,
    dataDir: shape.hasDataDir,
    // The protocol's names, so the template spells no variable or route of its own.
    envNames: ENV,
    nodeEnvNames: NODE_ENV_VARIABLES,
    port: CONTAINER_PORT,
    uid: RUN_AS_UID,
    compileCacheDir: COMPILE_CACHE_DIR,
    healthzPath: HEALTHZ_PATH,
    files: { server: CHAINLET_SERVER_FILE, runtime: SERVED_RUNTIME_FILE, runtimeDir: SERVED_RUNTIME_DIR },
    buildId: buildId === undefined ? undefined : dockerfileWord(buildId, "the build id"),
  };
  return { dockerfile: renderTemplate("Dockerfile", data), dockerignore: renderTemplate("dockerignore", data) };
}

/** An `options.env` name, re-checked: it is written unquoted and must not replace a runtime variable. */
function envName(name: string, chainlet: string): string {
  if (!ENV_NAME.test(name) || isReservedEnvName(name)) {
    throw new EmitError(diagnosticMessage("CH1452", "envName", chainlet, JSON.stringify(name)));
  }
  return name;
}
