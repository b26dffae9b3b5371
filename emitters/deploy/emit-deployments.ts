import type { ChainIR } from "../../compiler/chain-ir.js";
import type { EmittedFile } from "../emitted-file.js";
import type { DeployOptions } from "./deploy-options.js";
import { emitCompose } from "./emit-compose.js";
import { emitGraph } from "./emit-graph.js";
import { emitKubernetes } from "./emit-kubernetes.js";
import type { PrintedYaml } from "./print-yaml.js";

export type { AutoscalerKind, DeployOptions, ExposeMode } from "./deploy-options.js";
export { AUTOSCALER_KINDS, EXPOSE_MODES } from "./deploy-options.js";
export { renderGraph } from "./emit-graph.js";

/**
 * The whole-chain deployments: `docker-compose.yml` and `chain.env.example`, the `k8s/` manifests with
 * their `kustomization.yaml`, and `graph.mmd`. Paths are relative to `<out>/<chain>/`; the Compose
 * services build from the `chainlets/<name>/` contexts the other emitters write there. `printed` keeps the
 * manifests' and Compose services' YAML texts across rebuilds of one chain.
 */
export function emitDeployments(ir: ChainIR, options: DeployOptions = {}, printed?: PrintedYaml): EmittedFile[] {
  return [...emitCompose(ir, options, printed), ...emitKubernetes(ir, options, printed), ...emitGraph(ir)];
}
