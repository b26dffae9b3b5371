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
