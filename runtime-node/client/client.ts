import { runtimeError } from "../errors/errors.js";
import { ENV_DEFAULTS } from "../protocol/env.js";
import { boundedEnvelope, escapedFragment, streamFailure } from "../protocol/error-envelope.js";
import { JSON_TYPE, MSGPACK_SEQ_TYPE, MSGPACK_TYPE, NDJSON_TYPE, RETRY_FINAL, RETRY_HEADER, RUN_REMOTE_PATH } from "../protocol/http.js";
import { isFetchConnectionFailure, isRetryableStatus, retryAfterMs, retryDelayMs } from "../transport/retry-policy.js";
import { argumentsBody } from "../wire/arguments-body.js";
import { dropUnknownProperties } from "../wire/drop-unknown.js";
import { FrameTooLargeError, splitFrames } from "../wire/stream-frames.js";
import { formatIssues, validationIssues } from "../wire/validation.js";
import { bodyChunks, readUpTo } from "./bounded-read.js";
import { RemoteError, remoteErrorOf } from "./remote-error.js";
import { base64Replacer, revive } from "./revive.js";

/** What a generated client package knows of its Chainlet; the rest is this module. */
export interface ClientSpec {
  /** The client class's name, e.g. `AnalyzeDocumentClient`. */
  className: string;
  /** The Chainlet's name, reported in errors the service itself did not write. */
  chainlet: string;
  /** `runRemote`'s parameter names, in order. */
  parameters: readonly string[];
  streaming: boolean;
  /** The output schema: guides the revival of Dates and typed arrays. */
  output: Record<string, unknown>;
  /**
   * The output schema's precompiled validator (ajv standalone, emitted into the package): each answer
   * and stream item is checked before it is handed over, as the served stubs check theirs.
   */
  validate?: AnswerValidator;
}

/** An ajv validate function: true when `value` matches, else false with `errors` set. */
export interface AnswerValidator {
  (value: unknown): boolean;
  errors?: Parameters<typeof validationIssues>[0];
}

/** A MessagePack codec such as msgpackr's `new Packr({ moreTypes: true, useRecords: false })`. */
export interface MsgpackCodec {
  pack(value: unknown): Uint8Array;
  unpack(bytes: Uint8Array): unknown;
}

export interface ClientOptions {
  baseUrl: string;
  token?: string;
  timeoutMs?: number;
  retries?: number;
  fetch?: FetchFunction;
  msgpack?: MsgpackCodec;
  /** Extra headers on every attempt; a function is asked per attempt (e.g. for the caller's trace context). */
  headers?: Record<string, string> | (() => Record<string, string>);
  /** Cancels every call (its attempts, the waits between them, a stream's reading) when it aborts. */
  signal?: AbortSignal;
  /** Largest whole answer read (default `ENV_DEFAULTS.maxAnswerBytes`); past it the call fails with `CH2128`. */
  maxAnswerBytes?: number;
  /** Largest stream item read (default `ENV_DEFAULTS.maxFrameBytes`); past it the stream fails with `CH2128`. */
  maxFrameBytes?: number;
  /** Told the paths of properties an answer had that the output schema does not declare; they are dropped. */
  onUnknownProperties?: (paths: string[]) => void;
}

/** The `fetch` the client calls (the global one unless given). */
export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

interface Settings {
  url: string;
  headers: Record<string, string>;
  timeoutMs: number;
  retries: number;
  fetch: FetchFunction;
  msgpack: MsgpackCodec | undefined;
  extraHeaders: ClientOptions["headers"];
  signal: AbortSignal | undefined;
  maxAnswerBytes: number;
  maxFrameBytes: number;
  onUnknownProperties: ClientOptions["onUnknownProperties"];
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** One attempt's signal: its timeout, and the caller's signal when given. */
function attemptSignal(timeoutMs: number, signal: AbortSignal | undefined): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  if (!signal) return timeout;
  if (typeof AbortSignal.any === "function") return AbortSignal.any([signal, timeout]);
  // Runtimes without AbortSignal.any (Node 18, older browsers).
  const both = new AbortController();
  for (const one of [signal, timeout]) {
    if (one.aborted) both.abort(one.reason);
    else one.addEventListener("abort", () => both.abort(one.reason), { once: true });
  }
  return both.signal;
}

function mediaType(response: Response): string {
  return (response.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
}

function settingsOf(spec: ClientSpec, options: ClientOptions): Settings {
  if (!options || typeof options.baseUrl !== "string") throw new TypeError(`${spec.className} needs { baseUrl }`);
  const codec = options.msgpack;
  if (codec !== undefined && (typeof codec.pack !== "function" || typeof codec.unpack !== "function")) {
    throw new TypeError(`${spec.className}: msgpack must have pack(value) and unpack(bytes), e.g. new Packr({ moreTypes: true, useRecords: false }) from msgpackr`);
  }
  const headers: Record<string, string> = codec
    ? { "content-type": MSGPACK_TYPE, accept: spec.streaming ? MSGPACK_SEQ_TYPE : MSGPACK_TYPE }
    : { "content-type": JSON_TYPE, accept: spec.streaming ? NDJSON_TYPE : JSON_TYPE };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const extraHeaders = options.headers;
  if (extraHeaders !== undefined && (extraHeaders === null || (typeof extraHeaders !== "function" && typeof extraHeaders !== "object"))) {
    throw new TypeError(`${spec.className}: headers must be an object or a function returning one`);
  }
  return {
    url: `${options.baseUrl.replace(/\/+$/, "")}${RUN_REMOTE_PATH}`,
    headers,
    timeoutMs: options.timeoutMs ?? 600_000,
    retries: options.retries ?? 2,
    fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
    msgpack: codec,
    extraHeaders,
    signal: options.signal,
    maxAnswerBytes: options.maxAnswerBytes ?? ENV_DEFAULTS.maxAnswerBytes,
    maxFrameBytes: options.maxFrameBytes ?? ENV_DEFAULTS.maxFrameBytes,
    onUnknownProperties: typeof options.onUnknownProperties === "function" ? options.onUnknownProperties : undefined,
  };
}

/** This attempt's headers: the caller's extras first, so they cannot replace the protocol's own. */
function attemptHeaders(settings: Settings): Record<string, string> {
  const extra = typeof settings.extraHeaders === "function" ? settings.extraHeaders() : settings.extraHeaders;
  return extra ? { ...extra, ...settings.headers } : settings.headers;
}

/**
 * Posts until an answer that is not retried, with the retry policy of the served transport: connection
 * failures and 429/502/503/504 not marked final, waiting the same backoff (or the server's `Retry-After`).
 * Redirects are not followed (the token would go wherever they point): one is an error.
 */
async function post(settings: Settings, spec: ClientSpec, payload: string | Uint8Array): Promise<Response> {
  const base = ENV_DEFAULTS.retryBaseMs;
  for (let attempt = 0; ; attempt++) {
    let response: Response;
    try {
      const init: RequestInit = { method: "POST", headers: attemptHeaders(settings), body: payload, signal: attemptSignal(settings.timeoutMs, settings.signal), redirect: "manual" };
      response = await settings.fetch(settings.url, init);
    } catch (error) {
      if (attempt >= settings.retries || !isFetchConnectionFailure(error) || settings.signal?.aborted) throw error;
      await sleep(retryDelayMs(attempt, undefined, base), settings.signal);
      continue;
    }
    refuseRedirect(response, spec);
    // A hop that already retried (or chose not to) marks its failure final: only the hop nearest the fault retries.
    const final = response.headers.get(RETRY_HEADER) === RETRY_FINAL;
    if (attempt >= settings.retries || final || !isRetryableStatus(response.status)) return response;
    await response.body?.cancel().catch(() => {});
    await sleep(retryDelayMs(attempt, retryAfterMs(response.headers.get("retry-after") ?? undefined), base), settings.signal);
  }
}

/** Throws `CH2131` for a redirect (a 3xx, or the opaque answer a browser gives for one). */
function refuseRedirect(response: Response, spec: ClientSpec): void {
  if (response.type !== "opaqueredirect" && (response.status < 300 || response.status > 399)) return;
  void response.body?.cancel().catch(() => {});
  const location = escapedFragment(response.headers.get("location") ?? "");
  throw runtimeError("CH2131", { chainlet: spec.chainlet, status: response.status, location });
}

/** Throws the error a final stream frame carries; returns anything else. */
export function throwIfStreamFailure(item: unknown): unknown {
  const failed = streamFailure(item);
  if (failed) throw new RemoteError(failed.status, { error: boundedEnvelope(failed.envelope) });
  return item;
}

class ClientCall {
  constructor(
    private readonly spec: ClientSpec,
    private readonly settings: Settings,
  ) {}

  private async answer(payload: string | Uint8Array): Promise<Response> {
    const response = await post(this.settings, this.spec, payload);
    if (response.ok) return response;
    const codec = this.settings.msgpack;
    throw await remoteErrorOf(response, codec !== undefined && mediaType(response) === MSGPACK_TYPE, codec?.unpack.bind(codec), this.spec.chainlet);
  }

  /** `value` once it matches the output schema (when the package carries its validator), else `CH2126`. */
  private checked(value: unknown): unknown {
    const validate = this.spec.validate;
    if (validate && !validate(value)) throw runtimeError("CH2126", { dependency: this.spec.chainlet, issues: formatIssues(validationIssues(validate.errors)) });
    return value;
  }

  private tooLarge(limit: number, what: "answer" | "stream frame"): Error {
    const setting = what === "answer" ? "maxAnswerBytes" : "maxFrameBytes";
    return runtimeError("CH2128", { dependency: this.spec.chainlet, limit, what, setting });
  }

  async call(payload: string | Uint8Array): Promise<unknown> {
    const response = await this.answer(payload);
    const { bytes, whole } = await readUpTo(response, this.settings.maxAnswerBytes);
    if (!whole) throw this.tooLarge(this.settings.maxAnswerBytes, "answer");
    const codec = this.settings.msgpack;
    if (codec && mediaType(response) === MSGPACK_TYPE) return this.checked(this.read(codec.unpack(bytes)));
    return revive(this.spec.output, this.checked(this.read(JSON.parse(new TextDecoder().decode(bytes)))), this.spec.output);
  }

  /** The tolerant wire, as the dependency stubs read: properties the output schema does not declare are dropped. */
  private read(value: unknown): unknown {
    const dropped = dropUnknownProperties(this.spec.output, value, this.spec.output);
    if (dropped.length > 0) this.settings.onUnknownProperties?.(dropped);
    return value;
  }

  async *stream(payload: string | Uint8Array): AsyncGenerator<unknown, void, undefined> {
    const response = await this.answer(payload);
    const codec = this.settings.msgpack;
    const binary = codec !== undefined && mediaType(response) === MSGPACK_SEQ_TYPE;
    const text = new TextDecoder();
    try {
      for await (const frame of splitFrames(binary ? "msgpack" : "json", bodyChunks(response), this.settings.maxFrameBytes)) {
        const item = this.checked(this.read(throwIfStreamFailure(binary ? codec.unpack(frame) : JSON.parse(text.decode(frame)))));
        yield binary ? item : revive(this.spec.output, item, this.spec.output);
      }
    } catch (error) {
      throw error instanceof FrameTooLargeError ? this.tooLarge(error.limit, "stream frame") : error;
    }
  }
}

/** A client of one Chainlet; the package's `.d.ts` gives `runRemote` its Chainlet's own types. */
export interface ChainletClient {
  runRemote(...args: unknown[]): Promise<unknown> | AsyncIterable<unknown>;
  /** The same client with some options replaced: `client.withOptions({ signal }).runRemote(...)` cancels one call. */
  withOptions(options: Partial<ClientOptions>): ChainletClient;
}

/** The typed client's class for one Chainlet, named `spec.className`: `new (options)` then `runRemote(...args)`. */
export function defineClient(spec: ClientSpec): new (options: ClientOptions) => ChainletClient {
  const client = class implements ChainletClient {
    readonly #options: ClientOptions;
    readonly #call: ClientCall;
    readonly #msgpack: MsgpackCodec | undefined;

    constructor(options: ClientOptions) {
      const settings = settingsOf(spec, options);
      this.#options = options;
      this.#call = new ClientCall(spec, settings);
      this.#msgpack = settings.msgpack;
    }

    runRemote(...args: unknown[]): Promise<unknown> | AsyncIterable<unknown> {
      const body = argumentsBody(spec.parameters, args);
      const payload = this.#msgpack ? this.#msgpack.pack(body) : JSON.stringify(body, base64Replacer);
      return spec.streaming ? this.#call.stream(payload) : this.#call.call(payload);
    }

    withOptions(options: Partial<ClientOptions>): ChainletClient {
      return new client({ ...this.#options, ...options });
    }
  };
  Object.defineProperty(client, "name", { value: spec.className });
  return client;
}
