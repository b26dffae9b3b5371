import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** Calls in flight and waiting behind a concurrency limit, read when `/metrics` is scraped. */
export interface GateReading {
  readonly inFlight: number;
  readonly queued: number;
}

/** What the transport reports about calls to one dependency; implemented by `ChainletMetrics`. */
export interface TransportObserver {
  callFinished(dependency: string, outcome: "ok" | "error", seconds: number): void;
  retried(dependency: string): void;
  /** A retry the dependency's retry budget did not allow. */
  retryThrottled(dependency: string): void;
  failed(dependency: string, kind: string): void;
  /** The concurrency limit of an endpoint of `dependency`, sampled at each scrape. */
  watchGate(dependency: string, gate: GateReading): void;
}

/**
 * Labelled children of a metric by label values, resolved once: prom-client hashes the label object on
 * every `inc`/`observe` otherwise, a cost paid on each request.
 */
class Children<T> {
  private readonly byKey = new Map<string, T>();
  constructor(private readonly make: (...values: string[]) => T) {}

  get(...values: string[]): T {
    const key = values.join("\u0000");
    let child = this.byKey.get(key);
    if (!child) {
      child = this.make(...values);
      this.byKey.set(key, child);
    }
    return child;
  }
}

const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** The Prometheus metrics of one served Chainlet, in its own registry (never prom-client's global one). */
export class ChainletMetrics implements TransportObserver {
  readonly registry = new Registry();
  private readonly requests: Counter<"route" | "status">;
  private readonly duration: Histogram<"route">;
  private readonly rejected: Counter;
  private readonly depCalls: Counter<"dependency" | "outcome">;
  private readonly depDuration: Histogram<"dependency">;
  private readonly depRetries: Counter<"dependency">;
  private readonly depRetriesThrottled: Counter<"dependency">;
  private readonly depErrors: Counter<"dependency" | "kind">;
  private readonly unknownDropped: Counter<"read" | "dependency">;
  private readonly requestCount: Children<Counter.Internal>;
  private readonly requestDuration: Children<Histogram.Internal<"route">>;
  private readonly callCount: Children<Counter.Internal>;
  private readonly callDuration: Children<Histogram.Internal<"dependency">>;
  private runGate: GateReading = { inFlight: 0, queued: 0 };
  private readonly depGates = new Map<string, GateReading[]>();

  constructor(chainlet: string) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ chainlet });
    this.requests = new Counter({ name: "chains_requests_total", help: "HTTP requests answered, by route and status", labelNames: ["route", "status"], registers });
    this.duration = new Histogram({ name: "chains_request_duration_seconds", help: "Time to answer a request (whole stream for streams)", labelNames: ["route"], buckets: LATENCY_BUCKETS, registers });
    this.rejected = new Counter({ name: "chains_run_remote_rejected_total", help: "Requests refused with 503 because the queue was full", registers });
    this.depCalls = new Counter({ name: "chains_dependency_calls_total", help: "Calls to a dependency, by outcome", labelNames: ["dependency", "outcome"], registers });
    this.depDuration = new Histogram({ name: "chains_dependency_call_duration_seconds", help: "Duration of dependency calls, retries included", labelNames: ["dependency"], buckets: LATENCY_BUCKETS, registers });
    this.depRetries = new Counter({ name: "chains_dependency_retries_total", help: "Retried attempts of dependency calls", labelNames: ["dependency"], registers });
    this.depRetriesThrottled = new Counter({
      name: "chains_dependency_retries_throttled_total",
      help: "Retries of dependency calls the retry budget did not allow",
      labelNames: ["dependency"],
      registers,
    });
    this.depErrors = new Counter({ name: "chains_dependency_errors_total", help: "Failed dependency calls, by kind (remote, timeout, connection, protocol, cancelled)", labelNames: ["dependency", "kind"], registers });
    this.unknownDropped = new Counter({
      name: "chains_unknown_properties_dropped_total",
      help: "Object properties the schema does not declare, dropped by the tolerant wire: in requests from other Chainlets (read=input) and in a dependency's answers (read=output)",
      labelNames: ["read", "dependency"],
      registers,
    });
    this.registerGauges();
    this.requestCount = new Children((route, status) => this.requests.labels(route, status));
    this.requestDuration = new Children((route) => this.duration.labels(route));
    this.callCount = new Children((dependency, outcome) => this.depCalls.labels(dependency, outcome));
    this.callDuration = new Children((dependency) => this.depDuration.labels(dependency));
    collectDefaultMetrics({ register: this.registry, prefix: "chains_process_" });
  }

  /** Gauges of work in flight are read from the concurrency gates when scraped, not set per request. */
  private registerGauges(): void {
    const registers = [this.registry];
    const metrics = this;
    new Gauge({
      name: "chains_run_remote_in_flight",
      help: "runRemote calls running now",
      registers,
      collect() {
        this.set(metrics.runGate.inFlight);
      },
    });
    new Gauge({
      name: "chains_run_remote_queued",
      help: "runRemote calls waiting for a concurrency slot",
      registers,
      collect() {
        this.set(metrics.runGate.queued);
      },
    });
    new Gauge({
      name: "chains_dependency_in_flight",
      help: "Dependency calls in flight",
      labelNames: ["dependency"],
      registers,
      collect() {
        for (const [dependency, gates] of metrics.depGates) this.set({ dependency }, gates.reduce((sum, gate) => sum + gate.inFlight, 0));
      },
    });
    new Gauge({
      name: "chains_dependency_queued",
      help: "Dependency calls waiting for the concurrencyLimit",
      labelNames: ["dependency"],
      registers,
      collect() {
        for (const [dependency, gates] of metrics.depGates) this.set({ dependency }, gates.reduce((sum, gate) => sum + gate.queued, 0));
      },
    });
  }

  requestDone(route: string, status: number, seconds: number): void {
    this.requestCount.get(route, String(status)).inc();
    this.requestDuration.get(route).observe(seconds);
  }

  /** The gate of `runRemote` calls, sampled at each scrape. */
  watchRunGate(gate: GateReading): void {
    this.runGate = gate;
  }

  shed(): void {
    this.rejected.inc();
  }

  callFinished(dependency: string, outcome: "ok" | "error", seconds: number): void {
    this.callCount.get(dependency, outcome).inc();
    this.callDuration.get(dependency).observe(seconds);
  }

  retried(dependency: string): void {
    this.depRetries.inc({ dependency });
  }

  retryThrottled(dependency: string): void {
    this.depRetriesThrottled.inc({ dependency });
  }

  failed(dependency: string, kind: string): void {
    this.depErrors.inc({ dependency, kind });
  }

  /** `count` unknown properties dropped from a request (`input`) or from an answer of `dependency` (`output`). */
  unknownPropertiesDropped(read: "input" | "output", dependency: string, count: number): void {
    this.unknownDropped.inc({ read, dependency }, count);
  }

  watchGate(dependency: string, gate: GateReading): void {
    const gates = this.depGates.get(dependency);
    if (gates) gates.push(gate);
    else this.depGates.set(dependency, [gate]);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
