import type { Abortable } from "./call-abort.js";

/**
 * Caps work in flight: `acquire` resolves when a slot is free, waiting in FIFO order; with a bounded
 * queue, `tryAcquire` refuses (returns undefined) when the queue is full so the caller can shed load.
 */
export class ConcurrencyGate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly limit: number,
    readonly maxQueue: number = Number.POSITIVE_INFINITY,
  ) {
    if (!(limit >= 1)) throw new RangeError(`concurrency limit must be at least 1, got ${limit}`);
  }

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /**
   * A free slot taken at once (its release function), or undefined when none is free: lets a caller
   * skip the promise and the `await` of `acquire` on the common path.
   */
  takeFree(): (() => void) | undefined {
    if (this.active >= this.limit || this.waiting.length > 0) return undefined;
    this.active++;
    return this.releaser();
  }

  /**
   * A slot, or undefined when the queue is full. Call the returned function exactly once to release.
   * An abort while waiting leaves the queue and rejects with the signal's reason.
   */
  tryAcquire(signal?: Abortable): Promise<() => void> | undefined {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const free = this.takeFree();
    if (free) return Promise.resolve(free);
    if (this.waiting.length >= this.maxQueue) return undefined;
    return new Promise((resolve, reject) => {
      const waiter = () => {
        signal?.off("abort", onAbort);
        resolve(this.releaser());
      };
      const onAbort = () => {
        const index = this.waiting.indexOf(waiter);
        if (index !== -1) this.waiting.splice(index, 1);
        reject(signal!.reason);
      };
      signal?.once("abort", onAbort);
      this.waiting.push(waiter);
    });
  }

  /** A slot, waiting as long as needed or until `signal` aborts (the queue must be unbounded). */
  acquire(signal?: Abortable): Promise<() => void> {
    const slot = this.tryAcquire(signal);
    if (!slot) throw new RangeError("concurrency queue is full");
    return slot;
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so `active` stays the same.
      if (next) next();
      else this.active--;
    };
  }
}
