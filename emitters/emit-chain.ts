import { resolve } from "node:path";
import type { ChainIR, ChainletIR } from "../compiler/chain-ir.js";
import { bundleChainlets, type ChainletBundle } from "./bundle-chainlets.js";
import { buildId } from "./build-id.js";
import { emitDeployments } from "./deploy/emit-deployments.js";
import type { DeployOptions } from "./deploy/deploy-options.js";
import { emitClients } from "./emit-client.js";
import { readDataDir } from "./emit-data-dir.js";
import { emitDockerfiles } from "./emit-dockerfile.js";
import type { EmitCache } from "./emit-cache.js";
import type { EmittedFile } from "./emitted-file.js";
import { emitOpenApi, projectVersion } from "./emit-openapi.js";
import { emitContextPackage } from "./emit-package-json.js";
import { CHAINLET_SERVER_FILE, CHAINLETS_DIR, CLIENTS_DIR } from "./context-files.js";
import { servedRuntime, type ServedRuntime } from "./served-runtime.js";
import { stableJson } from "./stable-json.js";
import type { ValidatorCode } from "./validator-code.js";
import { validatorCodeOnDemand } from "./validator-code-on-demand.js";

export interface EmitOptions {
  /** Absolute path of `<out>/<chain>/`; `ir.projectRoot` is relative to it. */
  chainDir: string;
  /** Image names and exposure of the whole-chain deployments (Compose, Kubernetes). */
  deploy?: DeployOptions;
  /** Kept across builds of one chain (`chains serve --watch`): re-emit only what changed. */
  cache?: EmitCache;
  /**
   * The validator code of `ir`'s Chainlets when its generation started earlier (`buildChain` runs it on a
   * worker thread during the type check); else it is generated here when first needed.
   */
  validatorCode?: Promise<ValidatorCode>;
}

/**
 * Every artifact of the chain except `chain.json`, which the build writes from the IR itself, after
 * this has filled in every Chainlet's `buildId` (the Compose and Kubernetes image tags use it):
 * per Chainlet a Docker build context under `chainlets/<name>/` and a typed client under
 * `clients/<name>/`, plus `docker-compose.yml`, `k8s/` and `graph.mmd` for the whole chain. Reads only the IR (and the source files its spans point into); the result is
 * deterministic: no timestamps, no absolute paths, a stable file order.
 */
export async function emitChain(ir: ChainIR, options: EmitOptions): Promise<EmittedFile[]> {
  const files: EmittedFile[] = [];
  const started = options.validatorCode;
  const validators = started ? () => started : validatorCodeOnDemand(ir, options.cache);
  const clientsOf = async (chainlets: ChainletIR[]) => emitClients(ir, chainlets, (await validators()).client);
  const [runtime, bundles, clients] = await Promise.all([
    servedRuntime(),
    bundleChainlets(ir, options.chainDir, options.cache, validators),
    options.cache ? options.cache.clientFiles(ir, clientsOf) : clientsOf(ir.chainlets),
  ]);
  for (const chainlet of ir.chainlets) {
    files.push(...emitChainletContext(ir, chainlet, bundles.get(chainlet.name)!, runtime, options));
    files.push(...clients.get(chainlet.name)!.map((file) => ({ ...file, path: `${CLIENTS_DIR}/${chainlet.name}/${file.path}` })));
  }
  files.push(...emitDeployments(ir, options.deploy, options.cache?.printedYaml));
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The Chainlet's Docker context, its OpenAPI and schemas; sets `chainlet.buildId` from the image's inputs. */
function emitChainletContext(ir: ChainIR, chainlet: ChainletIR, bundle: ChainletBundle, runtime: ServedRuntime, options: EmitOptions): EmittedFile[] {
  const base = `${CHAINLETS_DIR}/${chainlet.name}`;
  const projectRoot = resolve(options.chainDir, ir.projectRoot);
  const npm = emitContextPackage(ir, chainlet, projectRoot);
  const data = readDataDir(chainlet, projectRoot);
  const shape = {
    hasNpmRequirements: chainlet.config.dockerImage.npmRequirements.length > 0,
    hasLockfile: npm.packageLock !== undefined,
    hasDataDir: chainlet.config.dockerImage.dataDir !== null,
  };
  const imageInputs: EmittedFile[] = [
    { path: "package.json", contents: npm.packageJson },
    ...(npm.packageLock ? [{ path: "package-lock.json", contents: npm.packageLock }] : []),
    ...data.map((file) => ({ path: `data/${file.path}`, contents: file.contents, mode: file.mode })),
    { path: CHAINLET_SERVER_FILE, contents: bundle.code, digest: bundle.codeDigest },
    { path: `${CHAINLET_SERVER_FILE}.map`, contents: bundle.map, digest: bundle.mapDigest },
    ...runtime.files,
  ];
  // The id hashes the Dockerfile as it is without the id, which it then carries (ENV CHAINS_BUILD_ID).
  chainlet.buildId = buildId([...imageInputs, { path: "Dockerfile", contents: emitDockerfiles(ir, chainlet, shape).dockerfile }]);
  const docker = emitDockerfiles(ir, chainlet, shape, chainlet.buildId);
  return [
    { path: "Dockerfile", contents: docker.dockerfile },
    { path: ".dockerignore", contents: docker.dockerignore },
    { path: "openapi.json", contents: emitOpenApi(ir, chainlet, projectVersion(projectRoot)) },
    ...imageInputs,
    { path: "schemas/input.schema.json", contents: stableJson(chainlet.schemas.input) },
    { path: "schemas/output.schema.json", contents: stableJson(chainlet.schemas.output) },
  ].map((file) => ({ ...file, path: `${base}/${file.path}` }));
}
