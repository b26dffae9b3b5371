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
} from "./authoring.js";
export { runLocal, type RunLocalOptions } from "./run-local.js";
export { ChainsError, HttpError } from "./errors.js";
export type { DeploymentContext, DependsOptions, GpuType, RemoteConfig } from "./remote-config.js";
export { StubBase, type StubOptions } from "./stub-base.js";
export { RemoteError } from "./remote-error.js";
export { DependencyTimeoutError, DependencyUnavailableError } from "./transport.js";
export type { ErrorEnvelope } from "./protocol/error-envelope.js";
