import { AsyncLocalStorage } from "node:async_hooks";
import { randomFillSync, randomUUID } from "node:crypto";
import { REQUEST_ID_HEADER, TRACEPARENT_HEADER } from "../protocol/http.js";

/** Identity of the request being served, carried to every dependency call made while serving it. */
export interface RequestContext {
  requestId: string;
  /** W3C trace id (32 hex) and flags of the incoming `traceparent`, or fresh ones. */
  traceId: string;
  traceFlags: string;
  /** The answer to the outside caller (set by the server): dependency calls end when it closes unfinished. */
  caller?: CallerAnswer;
}

/** The part of a `ServerResponse` that tells whether the outside caller went away before its answer was complete. */
export interface CallerAnswer {
  readonly writableFinished: boolean;
  readonly closed: boolean;
  once(event: "close", listener: () => void): unknown;
  /**
   * The request's dependency calls in flight (see {@link whenCallerGone}), kept on the answer itself:
   * a WeakMap keyed by the answers would take an entry per request, rehash as it grows, and make
   * every garbage collection walk its ephemerons.
   */
  callsInFlight: Set<CallerGoneListener> | undefined;
}

/** What is told when the outside caller of the request being served goes away (a dependency call's cancellation). */
export interface CallerGoneListener {
  callerGone(): void;
}

/**
 * Tells `listener` when the outside caller of the request being served goes away before its answer
 * is complete (at once when it already has). Returns the set to delete `listener` from when the work
 * is done (undefined when there is none). One `close` listener per request, however many calls it
 * fans out to, and no closure per call.
 */
export function whenCallerGone(listener: CallerGoneListener): Set<CallerGoneListener> | undefined {
  const caller = requestContext.getStore()?.caller;
  if (!caller) return undefined;
  if (caller.closed) {
    if (!caller.writableFinished) listener.callerGone();
    return undefined;
  }
  const listeners = caller.callsInFlight ?? watchCaller(caller);
  listeners.add(listener);
  return listeners;
}

/** The set of `caller`'s calls in flight, told once when it closes unfinished: one `close` listener per request. */
function watchCaller(caller: CallerAnswer): Set<CallerGoneListener> {
  const listeners = new Set<CallerGoneListener>();
  caller.callsInFlight = listeners;
  caller.once("close", () => {
    if (!caller.writableFinished) for (const each of listeners) each.callerGone();
    listeners.clear();
  });
  return listeners;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();

/** Whether this process can call out (a `Transport` endpoint exists): only then is a request's context kept. */
let callsOut = false;

/** Called by the transport when it creates an endpoint: from then on, served requests run in their context. */
export function markCallsOut(): void {
  callsOut = true;
}

/**
 * Runs `serve(...args)` in the request's context when the process can call out (the context is read
 * only by `withPropagation`). A Chainlet that calls nobody never enables AsyncLocalStorage, whose
 * promise hooks cost every promise of the process on Node 20. A stub created lazily inside
 * `runRemote` starts propagating from the request after the one that created it.
 */
export function servedInContext<A extends unknown[], R>(rc: RequestContext, serve: (...args: A) => R, ...args: A): R {
  return callsOut ? requestContext.run(rc, serve, ...args) : serve(...args);
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const REQUEST_ID = /^[\w.:\-]{1,128}$/;
const ALL_ZERO = /^0+$/;

// Trace and span ids come from one buffer refilled from the CSPRNG every 4 KB, not a `randomBytes`
// call (and its allocation) per id: ids are asked for on every request and every dependency call.
const idPool = Buffer.allocUnsafe(4096);
let idOffset = idPool.length;

/** `bytes` random bytes as lowercase hex. */
function randomHex(bytes: number): string {
  if (idOffset + bytes > idPool.length) {
    randomFillSync(idPool);
    idOffset = 0;
  }
  const hex = idPool.toString("hex", idOffset, idOffset + bytes);
  idOffset += bytes;
  return hex;
}

/** The context of an incoming request: its `x-request-id` and `traceparent` when well formed. */
export function contextFromHeaders(requestId: string | undefined, traceparent: string | undefined): RequestContext {
  const trace = traceparent ? TRACEPARENT.exec(traceparent.trim().toLowerCase()) : null;
  const validTrace = trace && !ALL_ZERO.test(trace[1]) ? trace : null;
  return {
    requestId: requestId && REQUEST_ID.test(requestId) ? requestId : randomUUID(),
    traceId: validTrace ? validTrace[1] : randomHex(16),
    traceFlags: validTrace ? validTrace[3] : "01",
  };
}

/**
 * Appends the headers of one outgoing call to `headers` (undici's flat name/value list): the same
 * request id and trace, a new span id per call, unless `traceparent` (a span's own) is given.
 */
export function withPropagation(headers: readonly string[], traceparent: string | undefined): string[] {
  const ctx = requestContext.getStore() ?? contextFromHeaders(undefined, undefined);
  return [...headers, REQUEST_ID_HEADER, ctx.requestId, TRACEPARENT_HEADER, traceparent ?? `00-${ctx.traceId}-${randomHex(8)}-${ctx.traceFlags}`];
}
