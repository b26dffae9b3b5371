import type { ChainIR, ChainletIR } from "../compiler/chain-ir.js";
import { ENV } from "../runtime-node/protocol/env.js";
import { HEALTHZ_PATH } from "../runtime-node/protocol/http.js";
import { CONTAINER_PORT } from "./deploy/container-contract.js";
import { renderTemplate } from "./render-template.js";

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
 */
export function emitDockerfiles(
  ir: ChainIR,
  chainlet: ChainletIR,
  shape: DockerContextShape,
  buildId?: string,
): { dockerfile: string; dockerignore: string } {
  const { dockerImage, compute, options } = chainlet.config;
  const data = {
    chain: ir.name,
    chainlet: chainlet.name,
    description: `${chainlet.className}, a Chainlet of the ${ir.displayName} chain (tschains)`,
    baseImage: dockerImage.baseImage,
    aptRequirements: [...dockerImage.aptRequirements].sort(),
    buildCommands: dockerImage.buildCommands,
    env: Object.fromEntries(Object.entries(options.env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    gpu: compute.gpu,
    gpuCount: compute.gpuCount,
    hasNpmRequirements: shape.hasNpmRequirements,
    hasLockfile: shape.hasLockfile,
    dataDir: shape.hasDataDir,
    // The protocol's names, so the template spells no variable or route of its own.
    envNames: ENV,
    port: CONTAINER_PORT,
    healthzPath: HEALTHZ_PATH,
    buildId,
  };
  return { dockerfile: renderTemplate("Dockerfile", data), dockerignore: renderTemplate("dockerignore", data) };
}
