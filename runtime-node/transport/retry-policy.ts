/** Statuses a retry can fix: the callee was overloaded or a gateway could not reach it. */
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

/** Errors undici raises when no answer came back because the connection failed. */
const CONNECTION_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_CLOSED",
]);

/** Errors raised before the request reached the dependency: no connection was ever made. */
const NOT_STARTED_ERROR_CODES = new Set(["ECONNREFUSED", "UND_ERR_CONNECT_TIMEOUT", "EAI_AGAIN"]);

/**
 * How many times a call that never started (see {@link isNotStarted}) is sent again, whatever its
 * `retries`: with the default 100 ms backoff base, at least 6.3 s of waiting in all, longer than a
 * Chainlet's restart takes.
 */
export const NOT_STARTED_RETRY_LIMIT = 6;

/**
 * True when the request never started on the dependency (connection refused or not made), so that
 * sending it again cannot run it twice. A reset after the connection was made is not included: the
 * request may have been written and run.
 */
export function isNotStarted(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && NOT_STARTED_ERROR_CODES.has(code)) return true;
  }
  return false;
}

/**
 * The retry budget of one dependency, as gRPC's retry throttling: a token bucket of `maxTokens`
 * (default 10) that each failed attempt empties by 1 and each success refills by `tokenRatio` (default
 * 0.1); retries are allowed only while it is more than half full. A dependency that keeps failing
 * gets at most 5 retries before they stop, then about one retry per 10 successful calls: never a
 * multiple of its normal load. Calls that never started are retried outside the budget.
 */
export class RetryBudget {
  private tokens: number;

  constructor(
    private readonly maxTokens = 10,
    private readonly tokenRatio = 0.1,
  ) {
    this.tokens = maxTokens;
  }

  /** A call succeeded. */
  succeeded(): void {
    this.tokens = Math.min(this.maxTokens, this.tokens + this.tokenRatio);
  }

  /** An attempt failed with a retryable failure; true when the budget allows retrying it. */
  failedMayRetry(): boolean {
    this.tokens = Math.max(0, this.tokens - 1);
    return this.tokens > this.maxTokens / 2;
  }
}

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUS.has(status);
}

export function isConnectionFailure(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && CONNECTION_ERROR_CODES.has(code)) return true;
  }
  return false;
}

/**
 * Delay before retry number `attempt` (0 for the first retry): exponential with "equal jitter", so it
 * never shrinks from one retry to the next (the lower bound of retry n+1 is the upper bound of retry n)
 * yet concurrent callers spread out.
 */
export function backoffDelayMs(attempt: number, baseMs: number, random: () => number = Math.random, capMs = 10_000): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** (attempt + 1));
  return ceiling / 2 + random() * (ceiling / 2);
}

/** `Retry-After` as milliseconds (seconds or an HTTP date), or undefined when absent or unreadable. */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * How long to wait before retry number `attempt`: the server's `Retry-After` when it asks for longer
 * than the backoff, the backoff otherwise. The transport and the generated client both wait this long.
 */
export function retryDelayMs(attempt: number, retryAfter: number | undefined, baseMs: number, random: () => number = Math.random): number {
  return Math.max(retryAfter ?? 0, backoffDelayMs(attempt, baseMs, random));
}

/**
 * A `fetch` that rejected because no answer came back: fetch reports that as a `TypeError` (in Node
 * with the socket error as its cause); an abort or a timeout is not one, since the call may still run.
 */
export function isFetchConnectionFailure(error: unknown): boolean {
  if (isConnectionFailure(error)) return true;
  return error instanceof TypeError && error.name !== "AbortError" && error.name !== "TimeoutError";
}
