/**
 * Every error code the runtime raises (`CH2xxx`), each defined once: its HTTP status when the server
 * answers it to a caller directly, and its message template. Throw sites name a code and its
 * parameters; they never pick a status or spell a message. The README's "Runtime diagnostics" tables
 * document each code (a test keeps them in step).
 */
import { ENV } from "./env.js";
import { JSON_TYPE, MSGPACK_TYPE, RETRY_HEADER, RETRY_NOT_STARTED } from "./http.js";

/** One runtime error: the status the server answers with (none: a 500 unless a cause says otherwise). */
export interface RuntimeErrorSpec<P> {
  status?: number;
  message: (params: P) => string;
  /** Headers the answer carries (`Allow`, `Retry-After`, `WWW-Authenticate`, `Connection`). */
  headers?: (params: P) => Record<string, string>;
}

const spec = <P>(entry: RuntimeErrorSpec<P>): RuntimeErrorSpec<P> => entry;
const list = (names: readonly string[]) => names.join(", ") || "none";

export const RUNTIME_ERRORS = {
  CH2001: spec<{ chainlet: string; viaNew: true } | { call: string; viaNew: false }>({
    message: (p) =>
      p.viaNew
        ? `${p.chainlet} is a Chainlet and cannot be constructed with \`new\`. ` +
          `Use \`await runLocal(${p.chainlet}, { ... })\` in tests, or \`chains serve\` to run the chain.`
        : `${p.call} can only run while tschains constructs a Chainlet. Do not call \`new\` on a Chainlet: ` +
          "use `await runLocal(Entry, { ... })` in tests, or `chains serve` / `chains build` to run it as a service.",
  }),
  CH2002: spec<{ chainlet: string; key: string; declared: readonly string[] }>({
    message: (p) =>
      `Chainlet "${p.chainlet}" read secret "${p.key}", which is not in its remoteConfig.assets.secretKeys ` +
      `(${p.declared.length > 0 ? p.declared.join(", ") : "none declared"}).`,
  }),
  CH2003: spec<{ chainlet: string; key: string }>({
    message: (p) => `Secret "${p.key}" of Chainlet "${p.chainlet}" has no value in this deployment.`,
  }),
  CH2004: spec<{ cycle: string }>({ message: (p) => `Chainlet dependency cycle: ${p.cycle}` }),
  CH2005: spec<{ requester: string }>({
    message: (p) => `${p.requester} was built for serving; runLocal needs the source classes.`,
  }),
  CH2101: spec<{ issues: string } | { parameters: readonly string[] }>({
    status: 400,
    message: (p) =>
      "issues" in p ? `invalid input: ${p.issues}` : `the body must be an object keyed by parameter name (${p.parameters.join(", ") || "no parameters"})`,
  }),
  CH2102: spec<{ chainlet: string; issues: string; streamed: boolean }>({
    status: 500,
    message: (p) =>
      p.streamed
        ? `${p.chainlet}.runRemote yielded an item that does not match its declared item type: ${p.issues}`
        : `${p.chainlet}.runRemote returned a value that does not match its declared return type: ${p.issues}`,
  }),
  CH2103: spec<{ limit: number }>({
    status: 413,
    message: (p) => `request body is larger than ${p.limit} bytes (${ENV.maxBodyBytes})`,
    headers: () => ({ connection: "close" }),
  }),
  CH2104: spec<{ format: "json" | "msgpack"; reason: string } | { incomplete: true }>({
    status: 400,
    message: (p) =>
      "incomplete" in p
        ? "client closed the connection before sending the whole body"
        : `malformed ${p.format === "json" ? "JSON" : "MessagePack"} body: ${p.reason}`,
  }),
  CH2105: spec<{ contentType: string | undefined }>({
    status: 415,
    message: (p) => `unsupported Content-Type "${p.contentType}"; send ${JSON_TYPE} or ${MSGPACK_TYPE}`,
  }),
  CH2112: spec<{ charset: string } | { contentEncoding: string }>({
    status: 415,
    message: (p) =>
      "charset" in p
        ? `unsupported charset ${JSON.stringify(p.charset)}: bodies are UTF-8 (send charset=utf-8 or none)`
        : `unsupported Content-Encoding ${JSON.stringify(p.contentEncoding)}: the server does not decode compressed bodies`,
  }),
  CH2113: spec<{ transferEncoding: string }>({
    status: 501,
    message: (p) => `unsupported Transfer-Encoding ${JSON.stringify(p.transferEncoding)}: the server decodes only "chunked"`,
    headers: () => ({ connection: "close" }),
  }),
  CH2114: spec<{ headers: string; request: string }>({
    status: 408,
    message: (p) => `the request's headers or body did not arrive in time (${p.headers}, ${p.request})`,
  }),
  CH2115: spec<{ reason: string }>({ status: 400, message: (p) => `malformed HTTP request (${p.reason})` }),
  CH2116: spec<Record<string, never>>({ status: 431, message: () => "request headers are larger than the server accepts (Node's --max-http-header-size, 16 KiB by default)" }),
  CH2106: spec<{ method: string | undefined; path: string; routes: readonly string[] }>({
    status: 404,
    message: (p) => `no route ${p.method} ${p.path}; the routes are ${p.routes.join(", ")}`,
  }),
  CH2107: spec<{ method: string | undefined; path: string; allowed: readonly string[] }>({
    status: 405,
    message: (p) => `${p.path} accepts ${p.allowed.join(", ")}, not ${p.method}`,
    headers: (p) => ({ allow: p.allowed.join(", ") }),
  }),
  CH2108: spec<Record<string, never>>({
    status: 401,
    message: () => "this Chainlet requires `Authorization: Bearer <token>`",
    headers: () => ({ "www-authenticate": "Bearer" }),
  }),
  CH2109: spec<Record<string, never>>({ status: 403, message: () => "the bearer token is not accepted here" }),
  CH2110: spec<{ running: number; waiting: number }>({
    status: 503,
    message: (p) => `over capacity: ${p.running} calls running and ${p.waiting} waiting (compute.concurrency)`,
    headers: () => ({ "retry-after": "1" }),
  }),
  CH2111: spec<{ shuttingDown: true } | { shuttingDown: false; constructError: string | undefined } | { shuttingDown: false; missingSecrets: string }>({
    status: 503,
    message: (p) =>
      p.shuttingDown ? "the server is shutting down" : "missingSecrets" in p ? p.missingSecrets : `the Chainlet failed to construct: ${p.constructError}`,
    // A draining server closes the connection so the caller's retry reaches another replica, and
    // marks the call as never started: safe to send again whatever the caller's `retries`.
    headers: (p): Record<string, string> =>
      p.shuttingDown ? { connection: "close", [RETRY_HEADER]: RETRY_NOT_STARTED } : { "retry-after": "5" },
  }),
  CH2120: spec<{ dependency: string; seconds: number }>({
    status: 504,
    message: (p) => `call to "${p.dependency}" timed out after ${p.seconds}s (timeoutSec)`,
  }),
  CH2121: spec<{ dependency: string; reason: string }>({
    message: (p) => `cannot reach "${p.dependency}" (${p.reason})`,
  }),
  CH2122: spec<{ dependency: string; status: number; root: string; hops?: string }>({
    message: (p) => `dependency "${p.dependency}" failed: ${p.status} ${p.root}${p.hops === undefined ? "" : `\n${p.hops}`}`,
  }),
  CH2123: spec<{ dependency: string; seconds: number }>({
    status: 504,
    message: (p) => `stream from "${p.dependency}" sent no item for ${p.seconds}s (streamingReadTimeoutSec)`,
  }),
  CH2124: spec<{ chainlet: string; dependency: string; known?: readonly string[] }>({
    message: (p) =>
      p.known === undefined
        ? `${p.chainlet} was built without a description of its dependency "${p.dependency}"`
        : `${p.chainlet} depends on "${p.dependency}" but ${ENV.dependencies} has no URL for it (known: ${list(p.known)})`,
  }),
  CH2125: spec<{ dependency: string; mediaType: string }>({
    message: (p) => `"${p.dependency}" answered a body that is not ${p.mediaType || "JSON"}`,
  }),
  CH2126: spec<{ dependency: string; issues: string }>({
    message: (p) => `answer of "${p.dependency}" does not match its output schema: ${p.issues}`,
  }),
  CH2127: spec<{ dependency: string; status: number; root: string; hops?: string }>({
    status: 502,
    message: (p) =>
      `dependency "${p.dependency}" refused this Chainlet's credentials: ${p.status} ${p.root} ` +
      `(a fault between services, not of the caller's credentials)${p.hops === undefined ? "" : `\n${p.hops}`}`,
  }),
  CH2128: spec<{ dependency: string; limit: number; what: "answer" | "stream frame"; setting?: string }>({
    message: (p) =>
      `"${p.dependency}" answered a${p.what === "answer" ? "n answer" : " stream frame"} larger than ${p.limit} bytes ` +
      `(${p.setting ?? (p.what === "answer" ? ENV.maxAnswerBytes : ENV.maxFrameBytes)}); the reading stopped there`,
  }),
  CH2129: spec<{ dependency: string }>({
    message: (p) => `the call to "${p.dependency}" was cancelled: the caller of this request went away`,
  }),
  CH2131: spec<{ chainlet: string; status: number; location: string }>({
    message: (p) =>
      `"${p.chainlet}" answered a redirect (${p.status} to "${p.location}"); the client follows none, so its token never reaches another origin`,
  }),
  CH2130: spec<{ variable: string; problem: string }>({ message: (p) => `${p.variable} ${p.problem}` }),
  CH2190: spec<{ reason: string }>({
    status: 502,
    message: (p) => `chains serve --watch could not reach the Chainlet's process: ${p.reason}`,
  }),
} as const;

export type RuntimeErrorCode = keyof typeof RUNTIME_ERRORS;
/** The parameters the message template of `C` takes. */
export type RuntimeErrorParams<C extends RuntimeErrorCode> = (typeof RUNTIME_ERRORS)[C] extends RuntimeErrorSpec<infer P> ? P : never;

/** The message of `code` (without the `CHxxxx: ` prefix). */
export function runtimeMessage<C extends RuntimeErrorCode>(code: C, params: RuntimeErrorParams<C>): string {
  return (RUNTIME_ERRORS[code] as RuntimeErrorSpec<RuntimeErrorParams<C>>).message(params);
}
