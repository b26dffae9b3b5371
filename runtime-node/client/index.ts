/**
 * The generated typed client's core: every client package bundles this module (with esbuild) and adds
 * only its Chainlet's names, parameters and output schema. Browser-safe: it needs a global `fetch`,
 * `TextDecoder`, `atob`/`btoa` and nothing of Node.
 * @packageDocumentation
 */
export { defineClient, throwIfStreamFailure, type AnswerValidator, type ChainletClient, type ClientOptions, type FetchFunction, type ClientSpec, type MsgpackCodec, type MsgpackOption } from "./client.js";
export type { MsgpackrModule } from "../wire/msgpack-large-views.js";
export { ChainsError } from "../errors/errors.js";
export { RemoteError, remoteErrorOf, type ErrorBody } from "./remote-error.js";
export { revive, base64Bytes, base64Of, base64Replacer } from "./revive.js";
