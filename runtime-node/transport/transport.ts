import type { IncomingHttpHeaders } from "node:http";
import { Readable } from "node:stream";
import { readWholeBody, type BodyLimit } from "../wire/aligned-body.js";
import { FrameTooLargeError } from "../wire/stream-frames.js";
import { CallAbort } from "./call-abort.js";
import { ConcurrencyGate } from "./concurrency-gate.js";
import { ChainsError } from "../errors/errors.js";
import { HttpPool, type Dispatcher } from "./http-pool.js";
import { postForWholeAnswer, type WholeAnswer, type WholeAnswerReading } from "./whole-answer.js";
import type { TransportObserver } from "../observability/metrics.js";
import { RemoteError } from "../errors/remote-error.js";
import { DEPENDS_DEFAULTS, type DependsOptions } from "../authoring/remote-config.js";
import { markCallsOut, whenCallerGone, withPropagation, type CallerGoneListener } from "../observability/request-context.js";
import { activeTracing, type AttemptSpan } from "../observability/tracing.js";
import { isConnectionFailure, isNotStarted, isRetryableStatus, NOT_STARTED_RETRY_LIMIT, retryAfterMs, retryDelayMs, RetryBudget } from "./retry-policy.js";
import { boundedEnvelope, ENVELOPE_LIMITS, isErrorEnvelope, escapedFragment, streamFailure, type ErrorEnvelope } from "../protocol/error-envelope.js";
import { ENV_DEFAULTS } from "../protocol/env.js";
import {
  JSON_TYPE,
  MSGPACK_SEQ_TYPE,
  MSGPACK_TYPE,
  NDJSON_TYPE,
  REQUEST_ID_HEADER,
  RETRY_FINAL,
  RETRY_HEADER,
  RETRY_NOT_STARTED,
  RUN_REMOTE_PATH,
  TRACEPARENT_HEADER,
} from "../protocol/http.js";
import { runtimeMessage } from "../protocol/runtime-errors.js";
import { alignedOffsetOf, decode, decodeFrames, encodeChunks, formatReady, type WireFormat } from "../wire/wire-codec.js";

/** A dependency call ran past its `timeoutSec` (or a stream past `streamingReadTimeoutSec`). */
export class DependencyTimeoutError extends ChainsError {
  override name = "DependencyTimeoutError";
  constructor(
    readonly dependency: string,
    readonly seconds: number,
    what: "call" | "stream gap",
  ) {
    const code = what === "call" ? "CH2120" : "CH2123";
    super(code, runtimeMessage(code, { dependency, seconds }));
  }
}

/** A dependency could not be reached (after all retries) or answered something that is not the protocol. */
export class DependencyUnavailableError extends ChainsError {
  override name = "DependencyUnavailableError";
  constructor(
    readonly dependency: string,
    code: "CH2121" | "CH2125" | "CH2128" | "CH2129",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

export interface TransportSettings {
  /** Sent as `Authorization: Bearer <token>` on every call unless an endpoint overrides it. */
  authToken?: string;
  observer?: TransportObserver;
  /** Base of the exponential backoff in milliseconds (default 100). */
  retryBaseMs?: number;
  /** Largest whole answer read (default `ENV_DEFAULTS.maxAnswerBytes`); past it the call fails with `CH2128`. */
  maxAnswerBytes?: number;
  /** Largest stream frame read (default `ENV_DEFAULTS.maxFrameBytes`); past it the stream fails with `CH2128`. */
  maxFrameBytes?: number;
}

export interface EndpointSettings extends DependsOptions {
  /** Path of the call on the base URL (default `RUN_REMOTE_PATH`). */
  path?: string;
  /** Overrides the transport's token for this endpoint; `null` sends no Authorization header. */
  authToken?: string | null;
  /** Extra headers on every call. */
  headers?: Record<string, string>;
}

const isStreamType = (type: string) => type === NDJSON_TYPE || type === MSGPACK_SEQ_TYPE;

/** A whole answer's bytes (within `limit`), placed so that `decode` can view its large typed arrays in place. */
function answerBytes(response: Dispatcher.ResponseData, type: string, limit: BodyLimit): Promise<Buffer> {
  const declared = Number(response.headers["content-length"]);
  const format = answerFormat(type);
  const reading = readWholeBody(response.body as AsyncIterable<Buffer>, Number.isFinite(declared) ? declared : undefined, (head) => alignedOffsetOf(format, head), limit);
  const ready = formatReady(format);
  return ready ? Promise.all([reading, ready]).then(([bytes]) => bytes) : reading;
}

function firstHeader(headers: IncomingHttpHeaders, name: string): string {
  const raw = headers[name];
  return Array.isArray(raw) ? raw[0] : raw ?? "";
}

/** The wire format of a whole (not streamed) answer of media type `type`. */
function answerFormat(type: string): WireFormat {
  return type === MSGPACK_TYPE ? "msgpack" : "json";
}

function mediaType(headers: IncomingHttpHeaders): string {
  return firstHeader(headers, "content-type").split(";")[0].trim().toLowerCase();
}

/**
 * The one HTTP transport between Chainlets (dependency stubs and `StubBase`): an undici keep-alive
 * `Pool` per origin, retries with backoff only where safe, per-call timeouts, a concurrency limit per
 * endpoint, JSON or MessagePack, and streams.
 */
export class Transport {
  private readonly pools = new Map<string, HttpPool>();

  constructor(readonly settings: TransportSettings = {}) {}

  /** An endpoint on `baseUrl`, named `name` in errors and metrics. */
  endpoint(name: string, baseUrl: string, settings: EndpointSettings = {}): Endpoint {
    const url = new URL(settings.path ?? RUN_REMOTE_PATH, baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`);
    // An absolute path in `settings.path` replaces the base URL's path; a relative one extends it.
    let pool = this.pools.get(url.origin);
    if (!pool) {
      pool = new HttpPool(url.origin, { keepAliveTimeout: 10_000, headersTimeout: 0, bodyTimeout: 0 });
      this.pools.set(url.origin, pool);
    }
    const endpoint = new Endpoint(name, pool, `${url.pathname}${url.search}`, { ...DEPENDS_DEFAULTS, ...stripUndefined(settings) }, this.settings, url);
    this.settings.observer?.watchGate(name, endpoint.gate);
    markCallsOut();
    return endpoint;
  }

  /** Closes every pooled connection. */
  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.close()));
    this.pools.clear();
  }
}

/**
 * An attempt's answer as the retry loop reads it, whether its body is streamed (`Pool.request`) or
 * was collected whole (`postForWholeAnswer`'s `WholeAnswer`).
 */
interface AttemptAnswer {
  statusCode: number;
  headers: IncomingHttpHeaders;
  /** The start of an error answer's body (up to `ENVELOPE_LIMITS.maxBytes`) and whether that was all of it. */
  errorBody(): Promise<{ bytes: Buffer; whole: boolean }>;
  /** Drops the body of an answer that is retried. */
  discard(): Promise<void>;
}

/** An answer streamed through `Pool.request`'s body. */
class StreamedAnswer implements AttemptAnswer {
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders;
  constructor(readonly response: Dispatcher.ResponseData) {
    this.statusCode = response.statusCode;
    this.headers = response.headers;
  }

  async errorBody(): Promise<{ bytes: Buffer; whole: boolean }> {
    const parts: Buffer[] = [];
    let size = 0;
    for await (const chunk of this.response.body as AsyncIterable<Buffer>) {
      parts.push(chunk);
      size += chunk.length;
      // Leaving the loop stops the reading (and closes the connection).
      if (size > ENVELOPE_LIMITS.maxBytes) break;
    }
    return { bytes: Buffer.concat(parts, size), whole: size <= ENVELOPE_LIMITS.maxBytes };
  }

  async discard(): Promise<void> {
    await this.response.body.dump();
  }
}

/** An answered attempt: its 2xx answer, its number, and its span (open until the body is read). */
interface SentAttempt<A extends AttemptAnswer> {
  response: A;
  attempt: number;
  span: AttemptSpan | undefined;
}

/** One attempt's request: the encoded body (its chunks and total length) and the attempt's span. */
type PostAttempt<A extends AttemptAnswer> = (chunks: Uint8Array[], length: number, span: AttemptSpan | undefined, signal: CallAbort) => Promise<A>;

/** The attempts a call has made: counted against `retries`, and those that never started (not counted). */
interface Tries {
  attempt: number;
  notStarted: number;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** What an attempt failed with: the call's timeout when it fired, else the error itself. */
const attemptError = (error: unknown, signal: CallAbort): unknown => (signal.aborted ? signal.reason : error);

type Resolved = Required<DependsOptions> & Omit<EndpointSettings, keyof DependsOptions>;

/** Calls to one dependency. */
export class Endpoint {
  /** The endpoint's `concurrencyLimit`: calls in flight and waiting. */
  readonly gate: ConcurrencyGate;
  private readonly format: WireFormat;
  /** Headers every call sends, as undici's flat name/value list; the trace headers are added per call. */
  private readonly fixedHeaders: string[];
  private readonly propagates: boolean;
  private readonly budget = new RetryBudget();
  /** How a whole answer is read: its bound, and where MessagePack wants its bytes aligned. */
  private readonly reading: WholeAnswerReading;

  constructor(
    readonly name: string,
    private readonly pool: HttpPool,
    private readonly path: string,
    private readonly options: Resolved,
    private readonly transport: TransportSettings,
    /** The URL called, named in trace spans. */
    private readonly url: URL,
  ) {
    this.gate = new ConcurrencyGate(options.concurrencyLimit);
    this.format = options.binary ? "msgpack" : "json";
    const headers: Record<string, string> = {
      "content-type": this.format === "msgpack" ? MSGPACK_TYPE : JSON_TYPE,
      accept: this.format === "msgpack" ? `${MSGPACK_TYPE}, ${MSGPACK_SEQ_TYPE}` : `${JSON_TYPE}, ${NDJSON_TYPE}`,
      ...options.headers,
    };
    const token = options.authToken === undefined ? transport.authToken : options.authToken;
    if (token) headers.authorization = `Bearer ${token}`;
    // Headers given for the endpoint win over the propagated ones, as they always have.
    this.propagates = !(REQUEST_ID_HEADER in headers) && !(TRACEPARENT_HEADER in headers);
    this.fixedHeaders = Object.entries(headers).flat();
    const maxAnswerBytes = transport.maxAnswerBytes ?? ENV_DEFAULTS.maxAnswerBytes;
    this.reading = {
      answerLimit: { maxBytes: maxAnswerBytes, tooLarge: () => this.tooLarge(maxAnswerBytes, "answer") },
      errorBytes: ENVELOPE_LIMITS.maxBytes,
      alignedOffset: (answerHeaders) => (mediaType(answerHeaders) === MSGPACK_TYPE ? (head) => alignedOffsetOf("msgpack", head) : undefined),
    };
  }

  /** Why a call of this endpoint ends early, made only when it does (shared by all its calls: no closures per call). */
  private readonly endings = {
    timeout: () => new DependencyTimeoutError(this.name, this.options.timeoutSec, "call"),
    callerGone: () => new DependencyUnavailableError(this.name, "CH2129", runtimeMessage("CH2129", { dependency: this.name })),
  };

  /**
   * A call's cancellation: its timeout, and the outside caller of the request it serves going away
   * (`watching` is the set to leave when the call is done).
   */
  private cancellation(): { abort: CallAbort; watching: Set<CallerGoneListener> | undefined } {
    const abort = new CallAbort(this.options.timeoutSec * 1000, this.endings.timeout, this.endings.callerGone);
    return { abort, watching: whenCallerGone(abort) };
  }

  private tooLarge(limit: number, what: "answer" | "stream frame"): DependencyUnavailableError {
    return new DependencyUnavailableError(this.name, "CH2128", runtimeMessage("CH2128", { dependency: this.name, limit, what }));
  }

  /**
   * Posts `body` and returns the decoded answer, passed through `revive` when given (the stub's
   * validation: applied once the call itself succeeded, so a wrong answer counts as an answered call).
   */
  async call(body: unknown, revive?: (value: unknown) => unknown): Promise<unknown> {
    const started = performance.now();
    const { abort, watching } = this.cancellation();
    let outcome: "ok" | "error" = "error";
    let value: unknown;
    try {
      // A free slot is taken without a promise; otherwise (or once aborted) the call waits or fails in `acquire`.
      const release = (!abort.aborted && this.gate.takeFree()) || (await this.gate.acquire(abort));
      try {
        const { response, span } = await this.send(body, abort, 0, this.postWhole);
        try {
          const { headers, body: bytes, failure } = response;
          if (failure) throw failure;
          const type = mediaType(headers);
          const ready = formatReady(answerFormat(type));
          if (ready) await ready;
          value = this.decodeAnswer(type, bytes);
          outcome = "ok";
        } catch (error) {
          span?.end(attemptError(error, abort));
          throw error;
        } finally {
          span?.end();
        }
      } finally {
        release();
      }
    } catch (error) {
      throw this.failure(error, abort);
    } finally {
      watching?.delete(abort);
      abort.clearTimeout();
      this.transport.observer?.callFinished(this.name, outcome, (performance.now() - started) / 1000);
    }
    return revive ? revive(value) : value;
  }

  /**
   * Posts `body` and yields the stream's items as they arrive. Breaking out of the loop aborts the
   * request, which ends the producer's generator on the other side. Retries happen only before the
   * first item; a final error frame is thrown as a `RemoteError`.
   */
  async *stream(body: unknown): AsyncGenerator<unknown, void, undefined> {
    const started = performance.now();
    const { abort, watching } = this.cancellation();
    let outcome: "ok" | "error" = "error";
    let release: (() => void) | undefined;
    try {
      release = await this.gate.acquire(abort);
      yield* this.streamWithRetries(body, abort);
      outcome = "ok";
    } catch (error) {
      throw this.failure(error, abort);
    } finally {
      abort.clearTimeout();
      // Ends the HTTP request when the consumer stops early; a no-op once the body was read.
      if (outcome !== "ok") abort.abort(new Error("stream consumer stopped"));
      watching?.delete(abort);
      release?.();
      this.transport.observer?.callFinished(this.name, outcome, (performance.now() - started) / 1000);
    }
  }

  /** The stream's items; a connection failure before the first item starts the call again. */
  private async *streamWithRetries(body: unknown, abort: CallAbort): AsyncGenerator<unknown, void, undefined> {
    for (let attempt = 0; ; attempt++) {
      const progress = { yielded: false };
      let span: AttemptSpan | undefined;
      try {
        const gapMs = this.options.streamingReadTimeoutSec * 1000;
        const sent = await this.send(body, abort, attempt, (chunks, length, span, signal) => this.postStreamed(chunks, length, signal, gapMs, span));
        ({ attempt, span } = sent);
        abort.clearTimeout();
        yield* this.streamItems(sent.response.response, progress);
        return;
      } catch (error) {
        const retry = !progress.yielded && isConnectionFailure(error) && !abort.aborted && this.mayRetry(attempt);
        if (!retry) span?.end(attemptError(error, abort));
        if (!retry) throw error;
        await this.pause(attempt, undefined, abort, span, error);
      } finally {
        // The attempt answered and the consumer read it all or stopped early.
        span?.end();
      }
    }
  }

  private async *streamItems(response: Dispatcher.ResponseData, progress: { yielded: boolean }): AsyncGenerator<unknown, void, undefined> {
    const type = mediaType(response.headers);
    if (!isStreamType(type)) {
      // A non-streaming answer (an older server, a proxy): one item.
      yield this.decodeAnswer(type, await answerBytes(response, type, this.reading.answerLimit));
      return;
    }
    const format: WireFormat = type === MSGPACK_SEQ_TYPE ? "msgpack" : "json";
    const maxFrameBytes = this.transport.maxFrameBytes ?? ENV_DEFAULTS.maxFrameBytes;
    try {
      for await (const item of decodeFrames(format, response.body as AsyncIterable<Buffer>, maxFrameBytes)) {
        const failed = streamFailure(item);
        if (failed) throw new RemoteError(this.name, failed.status, boundedEnvelope(failed.envelope));
        progress.yielded = true;
        yield item;
      }
    } catch (error) {
      throw error instanceof FrameTooLargeError ? this.tooLarge(error.limit, "stream frame") : error;
    }
  }

  private headers(span: AttemptSpan | undefined): string[] {
    return this.propagates ? withPropagation(this.fixedHeaders, span?.traceHeader) : this.fixedHeaders;
  }

  /**
   * Sends until a 2xx answer. A call that never started (connection refused, a draining server's
   * `RETRY_NOT_STARTED` answer) is sent again up to `NOT_STARTED_RETRY_LIMIT` times whatever
   * `retries` says; connection failures and 429/502/503/504 are retried up to `retries` times within
   * the retry budget, unless the answer is marked `RETRY_FINAL` (a hop below already retried it).
   * Each attempt has its own client span when tracing is on; the answered one is returned open, for
   * the caller to end.
   */
  private async send<A extends AttemptAnswer>(body: unknown, signal: CallAbort, firstAttempt: number, post: PostAttempt<A>): Promise<SentAttempt<A>> {
    const ready = formatReady(this.format);
    if (ready) await ready;
    const chunks = encodeChunks(this.format, body);
    const length = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    const tries: Tries = { attempt: firstAttempt, notStarted: 0 };
    for (;;) {
      const span = activeTracing()?.attemptSpan(this.name, this.url, tries.attempt + tries.notStarted);
      let response: A;
      try {
        response = await post(chunks, length, span, signal);
      } catch (error) {
        const retry = signal.aborted ? undefined : this.retryAfterFailure(error, tries);
        if (retry === undefined) span?.end(attemptError(error, signal));
        if (retry === undefined) throw error;
        await this.pause(retry, undefined, signal, span, error);
        continue;
      }
      span?.answered(response.statusCode);
      if (response.statusCode >= 200 && response.statusCode < 300) {
        this.budget.succeeded();
        return { response, attempt: tries.attempt, span };
      }
      const retry = this.retryAfterAnswer(response, tries);
      if (retry === undefined) {
        const remote = await this.remoteError(response);
        span?.end(remote);
        throw remote;
      }
      await response.discard();
      await this.pause(retry, retryAfterMs(response.headers["retry-after"]), signal, span);
    }
  }

  /**
   * One attempt's request: the body posted as it is, carrying the attempt span's trace context. Large
   * typed arrays are chunks of their own (views, not copies): sent as a stream of the chunks, made
   * anew for each attempt. No headers or body timeout: the call's own timeout (`signal`) covers both.
   */
  private request(chunks: Uint8Array[], length: number, span: AttemptSpan | undefined): Dispatcher.DispatchOptions {
    const payload = chunks.length === 1 ? chunks[0] : Readable.from(chunks, { objectMode: false });
    const headers = chunks.length === 1 ? this.headers(span) : [...this.headers(span), "content-length", String(length)];
    return { method: "POST", path: this.path, headers, body: payload, headersTimeout: 0, bodyTimeout: 0 };
  }

  /** An attempt whose answer is read whole as it arrives (a call); one function for all the endpoint's calls. */
  private readonly postWhole: PostAttempt<WholeAnswer> = (chunks, length, span, signal) => postForWholeAnswer(this.pool, this.request(chunks, length, span), signal, this.reading);

  /** An attempt whose answer is read as a stream (`gapMs` at most between its chunks). */
  private async postStreamed(chunks: Uint8Array[], length: number, signal: CallAbort, gapMs: number, span: AttemptSpan | undefined): Promise<StreamedAnswer> {
    return new StreamedAnswer(await this.pool.request({ ...this.request(chunks, length, span), signal, bodyTimeout: gapMs }));
  }

  /** The backoff step of the retry a failed attempt earns (and counts), or undefined when it is not retried. */
  private retryAfterFailure(error: unknown, tries: Tries): number | undefined {
    if (isNotStarted(error) && tries.notStarted < NOT_STARTED_RETRY_LIMIT) return tries.notStarted++;
    if (isConnectionFailure(error) && this.mayRetry(tries.attempt)) return tries.attempt++;
    return undefined;
  }

  /** The backoff step of the retry a non-2xx answer earns (and counts), or undefined when it is final. */
  private retryAfterAnswer(response: AttemptAnswer, tries: Tries): number | undefined {
    const marker = firstHeader(response.headers, RETRY_HEADER);
    if (marker === RETRY_NOT_STARTED && tries.notStarted < NOT_STARTED_RETRY_LIMIT) return tries.notStarted++;
    if (marker !== RETRY_FINAL && isRetryableStatus(response.statusCode) && this.mayRetry(tries.attempt)) return tries.attempt++;
    return undefined;
  }

  /** Counts a retryable failure against the budget; true when retry number `attempt` may go ahead. */
  private mayRetry(attempt: number): boolean {
    const budgetAllows = this.budget.failedMayRetry();
    if (attempt < this.options.retries && !budgetAllows) this.transport.observer?.retryThrottled(this.name);
    return attempt < this.options.retries && budgetAllows;
  }

  /** Waits before the next attempt; the failed attempt's span ends recording the error and the wait. */
  private async pause(attempt: number, retryAfter: number | undefined, signal: CallAbort, span: AttemptSpan | undefined, error?: unknown): Promise<void> {
    this.transport.observer?.retried(this.name);
    const delay = retryDelayMs(attempt, retryAfter, this.transport.retryBaseMs ?? ENV_DEFAULTS.retryBaseMs);
    span?.end(error, delay);
    await signal.sleep(delay);
  }

  /**
   * The error a non-2xx answer stands for: its envelope when the body is one (cut to
   * `ENVELOPE_LIMITS`), else an `HttpStatus` error quoting the start of the body, escaped. A body past
   * `ENVELOPE_LIMITS.maxBytes` is not read further.
   */
  private async remoteError(response: AttemptAnswer): Promise<RemoteError> {
    const { bytes, whole } = await response.errorBody();
    let envelope: ErrorEnvelope | undefined;
    try {
      const format = answerFormat(mediaType(response.headers));
      if (whole) await formatReady(format);
      const parsed = whole ? (decode(format, bytes) as { error?: unknown }) : undefined;
      if (isErrorEnvelope(parsed?.error)) envelope = boundedEnvelope(parsed.error);
    } catch {
      envelope = undefined;
    }
    // The start of the body as the service wrote it: the root cause a caller's message shows.
    const start = escapedFragment(bytes.toString("utf8", 0, ENVELOPE_LIMITS.fragmentChars * 4));
    envelope ??= {
      type: "HttpStatus",
      message: whole ? start : `${start} (an error answer larger than ${ENVELOPE_LIMITS.maxBytes} bytes, not read further)`,
      chainlet: this.name,
      stack: "",
      cause: null,
    };
    return new RemoteError(this.name, response.statusCode, envelope);
  }

  private decodeAnswer(type: string, bytes: Buffer): unknown {
    try {
      return decode(answerFormat(type), bytes);
    } catch (error) {
      throw new DependencyUnavailableError(this.name, "CH2125", runtimeMessage("CH2125", { dependency: this.name, mediaType: type }), { cause: error });
    }
  }

  /** The error to surface: timeouts and connection failures name the dependency; the rest pass through. */
  private failure(error: unknown, signal: CallAbort): unknown {
    const observer = this.transport.observer;
    if (signal.aborted && signal.reason instanceof DependencyTimeoutError) {
      observer?.failed(this.name, "timeout");
      return signal.reason;
    }
    if (signal.aborted && signal.reason instanceof DependencyUnavailableError) {
      observer?.failed(this.name, "cancelled");
      return signal.reason;
    }
    if ((error as { code?: string })?.code === "UND_ERR_BODY_TIMEOUT") {
      observer?.failed(this.name, "timeout");
      return new DependencyTimeoutError(this.name, this.options.streamingReadTimeoutSec, "stream gap");
    }
    if (error instanceof RemoteError) {
      observer?.failed(this.name, "remote");
      return error;
    }
    if (isConnectionFailure(error)) {
      observer?.failed(this.name, "connection");
      return new DependencyUnavailableError(this.name, "CH2121", runtimeMessage("CH2121", { dependency: this.name, reason: (error as Error).message }), { cause: error });
    }
    observer?.failed(this.name, "protocol");
    return error;
  }
}
