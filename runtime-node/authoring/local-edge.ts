import { CallAbort } from "../transport/call-abort.js";
import type { EdgeCheck } from "./edge-check.js";
import { ConcurrencyGate } from "../transport/concurrency-gate.js";
import { statusOf } from "../errors/error-envelope.js";
import type { DependsOptions } from "./remote-config.js";
import { backoffDelayMs, isConnectionFailure, isRetryableStatus } from "../transport/retry-policy.js";
import { DependencyTimeoutError } from "../transport/transport.js";

/** Anything with a `runRemote`: a Chainlet instance or a fake. */
export interface LocalCallee {
  runRemote(...args: unknown[]): unknown;
}

/**
 * A failure the served transport would retry: the status the callee's error maps to on the wire is
 * 429/502/503/504, or the call failed to connect (a fake may throw such an error to test retries).
 */
function isRetryable(error: unknown): boolean {
  return isRetryableStatus(statusOf(error)) || isConnectionFailure(error);
}

/** Settles like `work`, or rejects with the abort's reason (a timeout) as soon as `abort` fires. */
function racing<T>(work: Promise<T>, abort: CallAbort): Promise<T> {
  if (abort.aborted) return Promise.reject(abort.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abort.reason);
    abort.once("abort", onAbort);
    work.then(
      (value) => {
        abort.off("abort", onAbort);
        resolve(value);
      },
      (error) => {
        abort.off("abort", onAbort);
        reject(error);
      },
    );
  });
}

/**
 * One `depends()` edge in `runLocal`: the same options the served transport applies, in-process.
 * `concurrencyLimit` queues calls FIFO, `timeoutSec` covers the queue, every attempt and the pauses
 * (and fails with `DependencyTimeoutError` naming the dependency), `retries` repeats retryable failures
 * with the transport's backoff; a stream retries only before its first item and its gaps are bounded by
 * `streamingReadTimeoutSec`. A timed-out call is abandoned, not stopped: in-process code cannot be cancelled.
 * `check` copies and checks the arguments and each answer or item as the wire would.
 */
export function localEdge(dependency: string, callee: LocalCallee, streaming: boolean, options: Required<DependsOptions>, retryBaseMs: number, check: EdgeCheck = UNCHECKED) {
  const edge: Edge = { dependency, callee, options, retryBaseMs, gate: new ConcurrencyGate(options.concurrencyLimit), check };
  return {
    runRemote(...args: unknown[]): Promise<unknown> | AsyncIterable<unknown> {
      return streaming ? stream(edge, args) : call(edge, args);
    },
  };
}

/** One edge's callee, options and the queue of its `concurrencyLimit`. */
interface Edge {
  dependency: string;
  callee: LocalCallee;
  options: Required<DependsOptions>;
  retryBaseMs: number;
  gate: ConcurrencyGate;
  /** What crosses the edge, checked as the wire would (see edge-check.ts). */
  check: EdgeCheck;
}

/** Values pass by reference, unchecked (`runLocal(..., { checkEdges: false })`). */
const UNCHECKED: EdgeCheck = { arguments: (args) => [...args], answer: (value) => value };

/** The whole call's `timeoutSec`: queue, attempts and pauses. */
function callTimeout(edge: Edge): CallAbort {
  const { dependency, options } = edge;
  return new CallAbort(options.timeoutSec * 1000, () => new DependencyTimeoutError(dependency, options.timeoutSec, "call"));
}

/** Calls `once` until it answers, retrying what the transport retries; the caller holds a slot. */
async function attempt<T>(edge: Edge, abort: CallAbort, once: () => Promise<T>): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await racing(once(), abort);
    } catch (error) {
      if (abort.aborted || retry >= edge.options.retries || !isRetryable(error)) throw error;
      await abort.sleep(backoffDelayMs(retry, edge.retryBaseMs));
    }
  }
}

async function call(edge: Edge, args: unknown[]): Promise<unknown> {
  const abort = callTimeout(edge);
  try {
    const release = await edge.gate.acquire(abort);
    try {
      return await attempt(edge, abort, async () => edge.check.answer(await edge.callee.runRemote(...edge.check.arguments(args)), false));
    } finally {
      release();
    }
  } finally {
    abort.clearTimeout();
  }
}

async function* stream(edge: Edge, args: unknown[]): AsyncGenerator<unknown, void, undefined> {
  const abort = callTimeout(edge);
  let release: (() => void) | undefined;
  let iterator: AsyncIterator<unknown> | undefined;
  try {
    release = await edge.gate.acquire(abort);
    const first = await attempt(edge, abort, async () => {
      const opened = (edge.callee.runRemote(...edge.check.arguments(args)) as AsyncIterable<unknown>)[Symbol.asyncIterator]();
      iterator = opened;
      return opened.next();
    });
    abort.clearTimeout();
    for (let next = first; !next.done; ) {
      yield edge.check.answer(next.value, true);
      next = await nextWithinGap(edge, iterator!);
    }
    iterator = undefined;
  } finally {
    abort.clearTimeout();
    // Breaking out early (or a failure here) ends the callee's generator, as closing the request does when
    // served. Not awaited: a generator stalled inside its body only returns once that await settles.
    iterator?.return?.().catch(() => {});
    release?.();
  }
}

/** The next item of a stream, failing when it takes longer than `streamingReadTimeoutSec`. */
async function nextWithinGap(edge: Edge, iterator: AsyncIterator<unknown>): Promise<IteratorResult<unknown>> {
  const seconds = edge.options.streamingReadTimeoutSec;
  const gap = new CallAbort(seconds * 1000, () => new DependencyTimeoutError(edge.dependency, seconds, "stream gap"));
  try {
    return await racing(iterator.next(), gap);
  } finally {
    gap.clearTimeout();
  }
}

/** A streaming Chainlet's `runRemote` is an async generator method (the compiler accepts no other shape). */
export function isStreamingMethod(method: unknown): boolean {
  return Object.prototype.toString.call(method) === "[object AsyncGeneratorFunction]";
}
