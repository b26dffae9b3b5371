import { EventEmitter } from "node:events";

/**
 * What a concurrency gate and a retry pause listen to while a call waits: `abort` fires once, after
 * which `aborted` is true and `reason` says why.
 */
export interface Abortable {
  readonly aborted: boolean;
  readonly reason: unknown;
  on(event: "abort", listener: () => void): unknown;
  once(event: "abort", listener: () => void): unknown;
  off(event: "abort", listener: () => void): unknown;
}

/**
 * The cancellation of one dependency call: by its own timeout or by its caller. It is an
 * EventEmitter with `aborted` and `reason`, which undici takes as a request's `signal`; an
 * AbortController per call costs several times more (its AbortSignal is an EventTarget). The timeout
 * is not a Node timer of its own: calls with the same timeout wait in one {@link Deadlines} list.
 */
export class CallAbort extends EventEmitter implements Abortable {
  aborted = false;
  reason: unknown = undefined;
  /** When the timeout fires (`performance.now()` time), while the call is in its list. */
  deadline = 0;
  /** Neighbours in the list of calls with the same timeout, while in it. */
  previous: CallAbort | undefined = undefined;
  next: CallAbort | undefined = undefined;
  private deadlines: Deadlines | undefined;

  /** Aborts with `timeoutReason()` after `timeoutMs` unless cleared first, with `callerGoneReason()` on `callerGone()`. */
  constructor(
    timeoutMs: number,
    private readonly timeoutReason: () => unknown,
    private readonly callerGoneReason: () => unknown = timeoutReason,
  ) {
    super();
    this.deadlines = deadlinesOf(timeoutMs);
    this.deadlines.add(this);
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.clearTimeout();
    this.emit("abort");
  }

  /** Stops the timeout: the call finished, or a stream's own gap limit takes over. */
  clearTimeout(): void {
    if (this.deadlines === undefined) return;
    this.deadlines.remove(this);
    this.deadlines = undefined;
  }

  /** The outside caller of the request this call serves went away (see `whenCallerGone`). */
  callerGone(): void {
    this.abort(this.callerGoneReason());
  }

  /** The timeout fired (the list already dropped this call). */
  expire(): void {
    this.deadlines = undefined;
    this.abort(this.timeoutReason());
  }

  /** Resolves after `ms`, or rejects with the reason as soon as the call aborts. */
  sleep(ms: number): Promise<void> {
    if (this.aborted) return Promise.reject(this.reason);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        reject(this.reason);
      };
      const timer = setTimeout(() => {
        this.off("abort", onAbort);
        resolve();
      }, ms);
      this.once("abort", onAbort);
    });
  }
}

/**
 * The calls in flight that share one timeout duration, oldest (soonest due) first, and one Node
 * timer armed for the first of them: a call joins and leaves in O(1) without a `Timeout` object, its
 * closure and (with AsyncLocalStorage on) an async resource of its own. The timer is cleared when the
 * list empties, so, as a timer per call did, it keeps the process alive only while a call waits.
 */
class Deadlines {
  private first: CallAbort | undefined;
  private last: CallAbort | undefined;
  private timer: NodeJS.Timeout | undefined;

  private readonly ms: number;

  constructor(ms: number) {
    // What `setTimeout` itself does with a delay it cannot honour: 1 ms.
    this.ms = ms >= 1 && ms <= MAX_TIMER_MS ? ms : 1;
  }

  add(call: CallAbort): void {
    call.deadline = performance.now() + this.ms;
    call.previous = this.last;
    call.next = undefined;
    if (this.last) this.last.next = call;
    else this.first = call;
    this.last = call;
    this.timer ??= setTimeout(this.fire, this.ms);
  }

  remove(call: CallAbort): void {
    if (call.previous) call.previous.next = call.next;
    else this.first = call.next;
    if (call.next) call.next.previous = call.previous;
    else this.last = call.previous;
    call.previous = call.next = undefined;
    if (!this.first && this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  /** Expires every call that is due, then waits for the next one. */
  private readonly fire = () => {
    this.timer = undefined;
    const now = performance.now();
    for (let call = this.first; call && call.deadline <= now; call = this.first) {
      this.remove(call);
      call.expire();
    }
    // Node's timer may fire up to a millisecond before `performance.now()` reaches a deadline.
    if (this.first) this.timer ??= setTimeout(this.fire, Math.max(1, Math.ceil(this.first.deadline - now)));
  };
}

/** The longest delay a Node timer takes (2^31 - 1 ms); past it `setTimeout` fires after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** One list per timeout duration (a process has a few: its dependencies' `timeoutSec` and stream gaps). */
const deadlineLists = new Map<number, Deadlines>();

function deadlinesOf(ms: number): Deadlines {
  let list = deadlineLists.get(ms);
  if (!list) {
    list = new Deadlines(ms);
    deadlineLists.set(ms, list);
  }
  return list;
}
