import { resolve } from "node:path";
import type { ChainIR, ChainletIR } from "../compiler/chain-ir.js";
import { bundleChainlets, type ChainletBundle } from "./bundle-chainlets.js";
import { emitDeployments } from "./deploy/emit-deployments.js";
import type { DeployOptions } from "./deploy/deploy-options.js";
import { emitClient } from "./emit-client.js";
import { readDataDir } from "./emit-data-dir.js";
import { emitDockerfiles } from "./emit-dockerfile.js";
import { emitOpenApi } from "./emit-openapi.js";
import { emitContextPackage } from "./emit-package-json.js";
import { stableJson } from "./stable-json.js";

export { stableJson };

/** One file of the build output, relative to the chain's folder `<out>/<chain>/`. */
export interface EmittedFile {
  /** POSIX path relative to the chain folder. */
  path: string;
  contents: string | Uint8Array;
  /** File mode; 0o644 when absent. */
  mode?: number;
}

export interface EmitOptions {
  /** Absolute path of `<out>/<chain>/`; `ir.projectRoot` is relative to it. */
  chainDir: string;
  /** Image names and exposure of the whole-chain deployments (Compose, Kubernetes). */
  deploy?: DeployOptions;
}

/**
 * Every artifact of the chain except `chain.json`, which the build writes from the IR itself:
 * per Chainlet a Docker build context under `chainlets/<name>/` and a typed client under
 * `clients/<name>/`, plus `docker-compose.yml`, `k8s/` and `graph.mmd` for the whole chain. Reads only the IR (and the source files its spans point into); the result is
 * deterministic: no timestamps, no absolute paths, a stable file order.
 */
export async function emitChain(ir: ChainIR, options: EmitOptions): Promise<EmittedFile[]> {
  const files: EmittedFile[] = [];
  const bundles = await bundleChainlets(ir, options.chainDir);
  const contexts = new Map<string, EmittedFile[]>();
  for (const chainlet of ir.chainlets) {
    const context = emitChainletContext(ir, chainlet, bundles.get(chainlet.name)!, options);
    contexts.set(chainlet.name, context);
    files.push(...context);
    files.push(...emitClient(ir, chainlet).map((file) => ({ ...file, path: `clients/${chainlet.name}/${file.path}` })));
  }
  // Default image tags hash each Chainlet's build context, so an image changes name when its content does.
  files.push(...emitDeployments(ir, { ...options.deploy, contexts }));
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function emitChainletContext(ir: ChainIR, chainlet: ChainletIR, bundle: ChainletBundle, options: EmitOptions): EmittedFile[] {
  const base = `chainlets/${chainlet.name}`;
  const projectRoot = resolve(options.chainDir, ir.projectRoot);
  const npm = emitContextPackage(ir, chainlet, projectRoot);
  const data = readDataDir(chainlet, projectRoot);
  const docker = emitDockerfiles(ir, chainlet, {
    hasNpmRequirements: chainlet.config.dockerImage.npmRequirements.length > 0,
    hasLockfile: npm.packageLock !== undefined,
    hasDataDir: chainlet.config.dockerImage.dataDir !== null,
  });
  return [
    { path: `${base}/Dockerfile`, contents: docker.dockerfile },
    { path: `${base}/.dockerignore`, contents: docker.dockerignore },
    { path: `${base}/package.json`, contents: npm.packageJson },
    ...(npm.packageLock ? [{ path: `${base}/package-lock.json`, contents: npm.packageLock }] : []),
    { path: `${base}/openapi.json`, contents: emitOpenApi(ir, chainlet) },
    ...data.map((file) => ({ path: `${base}/data/${file.path}`, contents: file.contents, mode: file.mode })),
    { path: `${base}/server.mjs`, contents: bundle.code },
    { path: `${base}/server.mjs.map`, contents: bundle.map },
    { path: `${base}/schemas/input.schema.json`, contents: stableJson(chainlet.schemas.input) },
    { path: `${base}/schemas/output.schema.json`, contents: stableJson(chainlet.schemas.output) },
  ];
}
