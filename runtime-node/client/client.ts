import { ChainsError, runtimeError } from "../errors/errors.js";
import { ENV_DEFAULTS } from "../protocol/env.js";
import { boundedEnvelope, escapedFragment, streamFailure } from "../protocol/error-envelope.js";
import { JSON_TYPE, MSGPACK_SEQ_TYPE, MSGPACK_TYPE, NDJSON_TYPE, RETRY_FINAL, RETRY_HEADER, RUN_REMOTE_PATH } from "../protocol/http.js";
import { isFetchConnectionFailure, isRetryableStatus, retryAfterMs, retryDelayMs } from "../transport/retry-policy.js";
import { WholeBody } from "../wire/aligned-body.js";
import { argumentsBody } from "../wire/arguments-body.js";
import { concatBytes } from "../wire/bytes.js";
import { dropUnknownProperties } from "../wire/drop-unknown.js";
import { largeViewDataOffset, packChunks, unpackWithViews, wirePackr, type MsgpackrModule } from "../wire/msgpack-large-views.js";
import { FrameTooLargeError, splitFrames } from "../wire/stream-frames.js";
import { formatIssues, validationIssues } from "../wire/validation.js";
import { bodyChunks } from "./bounded-read.js";
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

/**
 * Binary mode's codec: msgpackr itself (`import * as msgpackr from "msgpackr"`), which the client
 * configures as the served runtime does and reads large typed arrays with as views of the answer;
 * or a codec of the caller's, whose `unpack` copies them.
 */
export type MsgpackOption = MsgpackrModule | MsgpackCodec;

export interface ClientOptions {
  baseUrl: string;
  token?: string;
  timeoutMs?: number;
  retries?: number;
  fetch?: FetchFunction;
  msgpack?: MsgpackOption;
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
  /** The module `msgpack` came from when the caller gave msgpackr itself: answers' large typed arrays are then views. */
  msgpackr: MsgpackrModule | undefined;
  /** Whether a body of several chunks may go out as a stream of them (Node's own fetch) rather than joined. */
  streamsBodies: boolean;
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

const isMsgpackr = (option: MsgpackOption): option is MsgpackrModule =>
  typeof (option as MsgpackrModule).Packr === "function" && typeof (option as MsgpackrModule).addExtension === "function";
const isCodec = (option: MsgpackOption): option is MsgpackCodec =>
  typeof (option as MsgpackCodec).pack === "function" && typeof (option as MsgpackCodec).unpack === "function";

/**
 * True where the global `fetch` is Node's (undici), which sends a `ReadableStream` body chunk by chunk
 * with the length given; browsers send one only over HTTP/2, so there a body is joined first.
 */
function fetchStreamsBodies(): boolean {
  const versions = (globalThis as { process?: { versions?: { node?: unknown } } }).process?.versions;
  return typeof versions?.node === "string" && typeof ReadableStream === "function";
}

function settingsOf(spec: ClientSpec, options: ClientOptions): Settings {
  if (!options || typeof options.baseUrl !== "string") throw new TypeError(`${spec.className} needs { baseUrl }`);
  const option = options.msgpack;
  if (option !== undefined && (option === null || typeof option !== "object" || (!isMsgpackr(option) && !isCodec(option)))) {
    throw new TypeError(`${spec.className}: msgpack must be the msgpackr module itself or have pack(value) and unpack(bytes)`);
  }
  const msgpackr = option !== undefined && isMsgpackr(option) ? option : undefined;
  const codec = msgpackr ? wirePackr(msgpackr) : (option as MsgpackCodec | undefined);
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
    msgpackr,
    streamsBodies: options.fetch === undefined && fetchStreamsBodies(),
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
 * A request body: JSON text, or MessagePack as the chunks `packChunks` wrote (a large typed array is a
 * chunk of its own, a view of the caller's array: it is not copied when the body goes out as a stream).
 */
type Payload = string | readonly Uint8Array[];

/** The body and its extra init fields for one attempt: a fresh stream each time, since a stream is read once. */
function attemptBody(settings: Settings, payload: Payload): Pick<RequestInit, "body"> & { duplex?: "half"; length?: number } {
  if (typeof payload === "string") return { body: payload };
  if (payload.length === 1) return { body: payload[0] as Uint8Array<ArrayBuffer> };
  if (!settings.streamsBodies) return { body: concatBytes(payload) as Uint8Array<ArrayBuffer> };
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of payload) controller.enqueue(chunk);
      controller.close();
    },
  });
  return { body, duplex: "half", length: payload.reduce((sum, chunk) => sum + chunk.length, 0) };
}

/**
 * Posts until an answer that is not retried, with the retry policy of the served transport: connection
 * failures and 429/502/503/504 not marked final, waiting the same backoff (or the server's `Retry-After`).
 * Redirects are not followed (the token would go wherever they point): one is an error.
 */
async function post(settings: Settings, spec: ClientSpec, payload: Payload): Promise<Response> {
  const base = ENV_DEFAULTS.retryBaseMs;
  for (let attempt = 0; ; attempt++) {
    let response: Response;
    try {
      const { length, ...body } = attemptBody(settings, payload);
      // Node's fetch sends a stream with the length given: the server then reads it into one buffer as it arrives.
      const headers = length === undefined ? attemptHeaders(settings) : { ...attemptHeaders(settings), "content-length": String(length) };
      const init: RequestInit = { method: "POST", headers, ...body, signal: attemptSignal(settings.timeoutMs, settings.signal), redirect: "manual" };
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

  private async answer(payload: Payload): Promise<Response> {
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

  async call(payload: Payload): Promise<unknown> {
    const response = await this.answer(payload);
    const { msgpack, msgpackr } = this.settings;
    const type = mediaType(response);
    const binary = msgpack !== undefined && type === MSGPACK_TYPE;
    const bytes = await this.wholeAnswer(response, binary);
    let value: unknown;
    try {
      value = binary ? (msgpackr ? unpackWithViews(msgpack, bytes, msgpackr) : msgpack.unpack(bytes)) : JSON.parse(new TextDecoder().decode(bytes));
    } catch (error) {
      throw runtimeError("CH2125", { dependency: this.spec.chainlet, mediaType: type }, { cause: error });
    }
    const checked = this.checked(this.read(value));
    return binary ? checked : revive(this.spec.output, checked, this.spec.output);
  }

  /**
   * A whole answer within `maxAnswerBytes` (`CH2128` past it; one announcing more is not read). With a
   * Content-Length it is copied into one buffer of that size as it arrives, as the served runtime reads
   * bodies; a MessagePack answer's buffer is placed so that its first large typed array can be a view.
   */
  private async wholeAnswer(response: Response, binary: boolean): Promise<Uint8Array> {
    const maxBytes = this.settings.maxAnswerBytes;
    const declared = Number(response.headers.get("content-length") ?? Number.NaN);
    let body: WholeBody;
    try {
      body = new WholeBody(Number.isFinite(declared) ? declared : undefined, binary ? largeViewDataOffset : undefined, { maxBytes, tooLarge: () => this.tooLarge(maxBytes, "answer") });
    } catch (error) {
      await response.body?.cancel().catch(() => {});
      throw error;
    }
    try {
      for await (const chunk of bodyChunks(response)) body.add(chunk);
    } catch (error) {
      // The bound and a cancellation are the caller's to see as they are; a connection that broke off mid-answer is named.
      if (error instanceof ChainsError || (error as Error | undefined)?.name === "AbortError" || (error as Error | undefined)?.name === "TimeoutError") throw error;
      const expected = Number.isFinite(declared) ? ` of ${declared}` : "";
      const reason = `the answer broke off after ${body.size}${expected} bytes: ${(error as Error | undefined)?.message ?? String(error)}`;
      throw runtimeError("CH2121", { dependency: this.spec.chainlet, reason }, { cause: error });
    }
    // A plain Uint8Array over the same memory, even where it was allocated as a Node Buffer: the client
    // answers `Buffer` values as plain Uint8Arrays everywhere, and msgpackr's views take their input's class.
    const bytes = body.bytes();
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** The tolerant wire, as the dependency stubs read: properties the output schema does not declare are dropped. */
  private read(value: unknown): unknown {
    const dropped = dropUnknownProperties(this.spec.output, value, this.spec.output);
    if (dropped.length > 0) this.settings.onUnknownProperties?.(dropped);
    return value;
  }

  async *stream(payload: Payload): AsyncGenerator<unknown, void, undefined> {
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
      const payload = this.#msgpack ? packChunks(this.#msgpack, body) : JSON.stringify(body, base64Replacer);
      return spec.streaming ? this.#call.stream(payload) : this.#call.call(payload);
    }

    withOptions(options: Partial<ClientOptions>): ChainletClient {
      return new client({ ...this.#options, ...options });
    }
  };
  Object.defineProperty(client, "name", { value: spec.className });
  return client;
}
