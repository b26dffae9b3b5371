import { EventEmitter } from "node:events";

/**
 * What a concurrency gate and a retry pause listen to while a call waits: `abort` fires once, after
 * which `aborted` is true and `reason` says why.
 */
export interface Abortable {
  readonly aborted: boolean;
  readonly reason: unknown;
  once(event: "abort", listener: () => void): unknown;
  off(event: "abort", listener: () => void): unknown;
}

/**
 * The cancellation of one dependency call: by its own timeout (one timer) or by its caller. It is an
 * EventEmitter with `aborted` and `reason`, which undici takes as a request's `signal`; an
 * AbortController per call costs several times more (its AbortSignal is an EventTarget).
 */
export class CallAbort extends EventEmitter implements Abortable {
  aborted = false;
  reason: unknown = undefined;
  private timer: NodeJS.Timeout | undefined;

  /** Aborts with `timeoutReason()` after `timeoutMs` unless cleared first. */
  constructor(timeoutMs: number, timeoutReason: () => unknown) {
    super();
    this.timer = setTimeout(() => this.abort(timeoutReason()), timeoutMs);
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
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
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
