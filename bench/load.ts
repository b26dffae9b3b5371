import { createRequire } from "node:module";
import { quantileSorted } from "./stats.js";

/** One HTTP request shape a load run repeats. */
export interface LoadRequest {
  url: string;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface LoadOptions extends LoadRequest {
  connections: number;
  durationSec: number;
}

/** What one bounded load run measured. Latencies in milliseconds, from autocannon's per-response timings. */
export interface LoadResult {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  completed: number;
}

interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  requests: { total: number };
  statusCodeStats: Record<string, { count: number }>;
}

interface AutocannonInstance {
  on(event: "response", listener: (client: unknown, statusCode: number, bytes: number, responseTimeMs: number) => void): void;
}

type Autocannon = (options: Record<string, unknown>, done: (error: Error | null, result: AutocannonResult) => void) => AutocannonInstance;

// autocannon ships no types; this is the part of its programmatic API the benchmarks use.
const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

/**
 * Runs autocannon in this process against one URL for a bounded time. Latency percentiles come from
 * the per-response timings (microsecond resolution) rather than autocannon's histogram, which keeps
 * whole milliseconds and cannot tell 0.3 ms from 0.9 ms at one connection. Any error, timeout or
 * non-2xx answer fails the run: a benchmark that measures failures measures nothing.
 */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        method: options.method ?? "POST",
        headers: options.headers ?? {},
        body: options.body,
        connections: options.connections,
        duration: options.durationSec,
        timeout: 10,
        pipelining: 1,
        renderProgressBar: false,
        renderResultsTable: false,
        renderLatencyTable: false,
      },
      (error, result) => {
        if (error) return reject(error);
        if (result.errors > 0 || result.timeouts > 0 || result.non2xx > 0) {
          return reject(
            new Error(
              `load on ${options.url} failed: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx ` +
                `(status counts ${JSON.stringify(result.statusCodeStats)})`,
            ),
          );
        }
        if (latencies.length === 0) return reject(new Error(`load on ${options.url} completed no request`));
        const sorted = Float64Array.from(latencies).sort();
        const sum = latencies.reduce((a, b) => a + b, 0);
        resolve({
          requestsPerSec: latencies.length / (result.duration > 0 ? result.duration : options.durationSec),
          p50Ms: quantileSorted(sorted, 0.5),
          p99Ms: quantileSorted(sorted, 0.99),
          meanMs: sum / latencies.length,
          completed: latencies.length,
        });
      },
    );
    instance.on("response", (_client, _status, _bytes, responseTimeMs) => {
      latencies.push(responseTimeMs);
    });
  });
}
