import type { IncomingHttpHeaders } from "node:http";
import { WholeBody, type BodyLimit } from "../wire/aligned-body.js";
import { asNodeBuffer } from "../wire/bytes.js";
import type { Abortable } from "./call-abort.js";
import type { Dispatcher, HttpPool } from "./http-pool.js";

const EMPTY = Buffer.alloc(0);

/**
 * An answer read whole by {@link postForWholeAnswer}; it is also the attempt's answer the transport's
 * retry loop reads (an error body is already read, up to its bound), so no wrapper is made per call.
 */
export class WholeAnswer {
  /** The body: all of a 2xx answer; of another, at most its first `errorBytes` (plus the chunk that passed them). */
  body: Buffer = EMPTY;
  /** False when an error answer was longer than `errorBytes`: the reading stopped there (and the connection closed). */
  whole = true;
  /**
   * Set when the headers came but the body could not be read: past its bound, the connection failed,
   * or the call was aborted. The attempt was answered; the caller decides what the failure means.
   */
  failure: Error | undefined = undefined;

  constructor(
    readonly statusCode: number,
    readonly headers: IncomingHttpHeaders,
  ) {}

  /** The start of an error answer's body and whether that was all of it. */
  errorBody(): Promise<{ bytes: Buffer; whole: boolean }> {
    return this.failure ? Promise.reject(this.failure) : Promise.resolve({ bytes: this.body, whole: this.whole });
  }

  /** Drops the body of an answer that is retried: it was read already. */
  discard(): Promise<void> {
    return Promise.resolve();
  }
}

/** How {@link postForWholeAnswer} reads an answer. */
export interface WholeAnswerReading {
  /** Bound of a 2xx body: past it (or a Content-Length announcing more) the reading stops with `tooLarge()`. */
  answerLimit: BodyLimit;
  /** How much of a non-2xx body is kept: enough for an error envelope. */
  errorBytes: number;
  /** Where a 2xx body with these headers wants its bytes 8-byte aligned (see `alignedBuffer`), from its first chunk. */
  alignedOffset?: (headers: IncomingHttpHeaders) => ((head: Uint8Array) => number | undefined) | undefined;
}

/** Why the reading of an error answer stopped early: never surfaced, the answer is already settled. */
const ENOUGH_READ = new Error("error answer read up to its bound");

/**
 * One request on `pool` whose answer is collected whole in undici's `dispatch` callbacks: no promise,
 * `BodyReadable` and async iterator per call as `request` has, and no `AsyncResource` (the awaiting
 * code keeps its own async context). Rejects only when no answer came (the connection failed, the
 * call was aborted first); once the headers came it resolves, with `failure` set if the body could
 * not be read. `signal` aborts the request at any point, with its `reason`.
 */
export function postForWholeAnswer(pool: HttpPool, options: Dispatcher.DispatchOptions, signal: Abortable, reading: WholeAnswerReading): Promise<WholeAnswer> {
  return new Promise((resolve, reject) => {
    new WholeAnswerHandler(pool, options, signal, reading, resolve, reject);
  });
}

class WholeAnswerHandler implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private answer: WholeAnswer | undefined;
  private body: WholeBody | undefined;
  private settled = false;
  /**
   * The `abort` listener. Made in the constructor: an arrow-function class field is named by the
   * bundle (esbuild's keepNames) with an `Object.defineProperty` on every call.
   */
  private readonly onAbort: () => void;

  constructor(
    pool: HttpPool,
    private readonly options: Dispatcher.DispatchOptions,
    private readonly signal: Abortable,
    private readonly reading: WholeAnswerReading,
    private readonly resolve: (answer: WholeAnswer) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    this.onAbort = () => this.aborted();
    if (signal.aborted) {
      this.settle(signal.reason);
      return;
    }
    // `on`, not `once` (no wrapper per call): `abort` fires at most once, and `settle` removes it.
    signal.on("abort", this.onAbort);
    pool.dispatch(options, this);
  }

  private aborted(): void {
    const reason = this.signal.reason as Error;
    // Before the request reached a connection there is nothing to abort yet: `onRequestStart` does.
    if (this.controller) this.controller.abort(reason);
    else this.settle(reason);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.settled) controller.abort(this.signal.reason as Error);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200 || this.settled) return;
    this.answer = new WholeAnswer(statusCode, headers);
    const ok = statusCode < 300;
    const declared = Number(headers["content-length"]);
    try {
      this.body = ok ? new WholeBody(Number.isFinite(declared) ? declared : undefined, this.reading.alignedOffset?.(headers), this.reading.answerLimit) : new WholeBody(undefined);
    } catch (error) {
      this.fail(error as Error);
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const { body, answer } = this;
    if (!body || !answer || this.settled) return;
    try {
      body.add(chunk);
    } catch (error) {
      this.fail(error as Error);
      return;
    }
    if (answer.statusCode >= 300 && body.size > this.reading.errorBytes) {
      answer.whole = false;
      this.settle(undefined);
      controller.abort(ENOUGH_READ);
    }
  }

  onResponseEnd(): void {
    this.settle(undefined);
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    const { body } = this.options;
    // A streamed request body (large typed arrays) stops with the request, as undici's `request` does.
    if (body && typeof (body as { destroy?: unknown }).destroy === "function") (body as { destroy(error: Error): void }).destroy(error);
    if (this.answer && !this.settled) this.answer.failure = error;
    this.settle(this.answer ? undefined : error);
  }

  /** The answer was found unreadable while it arrived: the request stops, the answer carries why. */
  private fail(error: Error): void {
    if (this.answer) this.answer.failure = error;
    this.settle(undefined);
    this.controller?.abort(error);
  }

  /** Resolves with the answer (its body as collected) or rejects with `error`, once. */
  private settle(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.signal.off("abort", this.onAbort);
    const { answer, body } = this;
    if (error !== undefined || !answer) return this.reject(error ?? new Error("the request ended without an answer"));
    if (body && !answer.failure) answer.body = asNodeBuffer(body.bytes());
    this.resolve(answer);
  }
}

