import { ENV_DEFAULTS } from "../protocol/env.js";
import { streamFailure } from "../protocol/error-envelope.js";
import { JSON_TYPE, MSGPACK_SEQ_TYPE, MSGPACK_TYPE, NDJSON_TYPE, RETRY_FINAL, RETRY_HEADER, RUN_REMOTE_PATH } from "../protocol/http.js";
import { isFetchConnectionFailure, isRetryableStatus, retryAfterMs, retryDelayMs } from "../transport/retry-policy.js";
import { argumentsBody } from "../wire/arguments-body.js";
import { dropUnknownProperties } from "../wire/drop-unknown.js";
import { splitFrames } from "../wire/stream-frames.js";
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
  onUnknownProperties: ClientOptions["onUnknownProperties"];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
 */
async function post(settings: Settings, payload: string | Uint8Array): Promise<Response> {
  const base = ENV_DEFAULTS.retryBaseMs;
  for (let attempt = 0; ; attempt++) {
    let response: Response;
    try {
      const init = { method: "POST", headers: attemptHeaders(settings), body: payload, signal: AbortSignal.timeout(settings.timeoutMs) };
      response = await settings.fetch(settings.url, init);
    } catch (error) {
      if (attempt >= settings.retries || !isFetchConnectionFailure(error)) throw error;
      await sleep(retryDelayMs(attempt, undefined, base));
      continue;
    }
    // A hop that already retried (or chose not to) marks its failure final: only the hop nearest the fault retries.
    const final = response.headers.get(RETRY_HEADER) === RETRY_FINAL;
    if (attempt >= settings.retries || final || !isRetryableStatus(response.status)) return response;
    await response.body?.cancel().catch(() => {});
    await sleep(retryDelayMs(attempt, retryAfterMs(response.headers.get("retry-after") ?? undefined), base));
  }
}

/** The chunks of a response body; stopping early cancels the request, on every hop behind it. */
async function* bodyChunks(response: Response): AsyncGenerator<Uint8Array> {
  const reader = response.body!.getReader();
  try {
    for (let read = await reader.read(); !read.done; read = await reader.read()) yield read.value;
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/** Throws the error a final stream frame carries; returns anything else. */
export function throwIfStreamFailure(item: unknown): unknown {
  const failed = streamFailure(item);
  if (failed) throw new RemoteError(failed.status, { error: failed.envelope });
  return item;
}

class ClientCall {
  constructor(
    private readonly spec: ClientSpec,
    private readonly settings: Settings,
  ) {}

  private async answer(payload: string | Uint8Array): Promise<Response> {
    const response = await post(this.settings, payload);
    if (response.ok) return response;
    const codec = this.settings.msgpack;
    throw await remoteErrorOf(response, codec !== undefined && mediaType(response) === MSGPACK_TYPE, codec?.unpack.bind(codec), this.spec.chainlet);
  }

  async call(payload: string | Uint8Array): Promise<unknown> {
    const response = await this.answer(payload);
    const codec = this.settings.msgpack;
    if (codec && mediaType(response) === MSGPACK_TYPE) return this.read(codec.unpack(new Uint8Array(await response.arrayBuffer())));
    return revive(this.spec.output, this.read(await response.json()), this.spec.output);
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
    if (codec && mediaType(response) === MSGPACK_SEQ_TYPE) {
      for await (const frame of splitFrames("msgpack", bodyChunks(response))) yield this.read(throwIfStreamFailure(codec.unpack(frame)));
      return;
    }
    const text = new TextDecoder();
    for await (const line of splitFrames("json", bodyChunks(response))) {
      yield revive(this.spec.output, this.read(throwIfStreamFailure(JSON.parse(text.decode(line)))), this.spec.output);
    }
  }
}

/** A client of one Chainlet; the package's `.d.ts` gives `runRemote` its Chainlet's own types. */
export interface ChainletClient {
  runRemote(...args: unknown[]): Promise<unknown> | AsyncIterable<unknown>;
}

/** The typed client's class for one Chainlet, named `spec.className`: `new (options)` then `runRemote(...args)`. */
export function defineClient(spec: ClientSpec): new (options: ClientOptions) => ChainletClient {
  const client = class implements ChainletClient {
    readonly #call: ClientCall;
    readonly #msgpack: MsgpackCodec | undefined;

    constructor(options: ClientOptions) {
      const settings = settingsOf(spec, options);
      this.#call = new ClientCall(spec, settings);
      this.#msgpack = settings.msgpack;
    }

    runRemote(...args: unknown[]): Promise<unknown> | AsyncIterable<unknown> {
      const body = argumentsBody(spec.parameters, args);
      const payload = this.#msgpack ? this.#msgpack.pack(body) : JSON.stringify(body, base64Replacer);
      return spec.streaming ? this.#call.stream(payload) : this.#call.call(payload);
    }
  };
  Object.defineProperty(client, "name", { value: spec.className });
  return client;
}
