/**
 * The tschains authoring API: everything a chain's source imports from `"tschains"`.
 * @packageDocumentation
 */
export {
  ChainletBase,
  depends,
  dependsContext,
  entrypoint,
  type ChainletClass,
  type Remote,
  type RemoteResult,
} from "./authoring/authoring.js";
export { fake, runLocal, type Fake, type Override, type RunLocalOptions } from "./authoring/run-local.js";
export type { ChainSchemas, LocalChainletSchemas } from "./authoring/edge-check.js";
export { ChainsError, HttpError } from "./errors/errors.js";
export type { DeploymentContext, DependsOptions, GpuType, RemoteConfig } from "./authoring/remote-config.js";
export { StubBase, type StubOptions } from "./transport/stub-base.js";
export { RemoteError } from "./errors/remote-error.js";
export { DependencyTimeoutError, DependencyUnavailableError } from "./transport/transport.js";
export type { ErrorEnvelope } from "./protocol/error-envelope.js";
