import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** What the transport reports about calls to one dependency; implemented by `ChainletMetrics`. */
export interface TransportObserver {
  callFinished(dependency: string, outcome: "ok" | "error", seconds: number): void;
  retried(dependency: string): void;
  failed(dependency: string, kind: string): void;
  gateChanged(dependency: string, inFlight: number, queued: number): void;
}

const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** The Prometheus metrics of one served Chainlet, in its own registry (never prom-client's global one). */
export class ChainletMetrics implements TransportObserver {
  readonly registry = new Registry();
  private readonly requests: Counter<"route" | "status">;
  private readonly duration: Histogram<"route">;
  private readonly runInFlight: Gauge;
  private readonly runQueued: Gauge;
  private readonly rejected: Counter;
  private readonly depCalls: Counter<"dependency" | "outcome">;
  private readonly depDuration: Histogram<"dependency">;
  private readonly depRetries: Counter<"dependency">;
  private readonly depErrors: Counter<"dependency" | "kind">;
  private readonly depInFlight: Gauge<"dependency">;
  private readonly depQueued: Gauge<"dependency">;

  constructor(chainlet: string) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ chainlet });
    this.requests = new Counter({ name: "chains_requests_total", help: "HTTP requests answered, by route and status", labelNames: ["route", "status"], registers });
    this.duration = new Histogram({ name: "chains_request_duration_seconds", help: "Time to answer a request (whole stream for streams)", labelNames: ["route"], buckets: LATENCY_BUCKETS, registers });
    this.runInFlight = new Gauge({ name: "chains_run_remote_in_flight", help: "runRemote calls running now", registers });
    this.runQueued = new Gauge({ name: "chains_run_remote_queued", help: "runRemote calls waiting for a concurrency slot", registers });
    this.rejected = new Counter({ name: "chains_run_remote_rejected_total", help: "Requests refused with 503 because the queue was full", registers });
    this.depCalls = new Counter({ name: "chains_dependency_calls_total", help: "Calls to a dependency, by outcome", labelNames: ["dependency", "outcome"], registers });
    this.depDuration = new Histogram({ name: "chains_dependency_call_duration_seconds", help: "Duration of dependency calls, retries included", labelNames: ["dependency"], buckets: LATENCY_BUCKETS, registers });
    this.depRetries = new Counter({ name: "chains_dependency_retries_total", help: "Retried attempts of dependency calls", labelNames: ["dependency"], registers });
    this.depErrors = new Counter({ name: "chains_dependency_errors_total", help: "Failed dependency calls, by kind (remote, timeout, connection, protocol)", labelNames: ["dependency", "kind"], registers });
    this.depInFlight = new Gauge({ name: "chains_dependency_in_flight", help: "Dependency calls in flight", labelNames: ["dependency"], registers });
    this.depQueued = new Gauge({ name: "chains_dependency_queued", help: "Dependency calls waiting for the concurrencyLimit", labelNames: ["dependency"], registers });
    collectDefaultMetrics({ register: this.registry, prefix: "chains_process_" });
  }

  requestDone(route: string, status: number, seconds: number): void {
    this.requests.inc({ route, status: String(status) });
    this.duration.observe({ route }, seconds);
  }

  gate(inFlight: number, queued: number): void {
    this.runInFlight.set(inFlight);
    this.runQueued.set(queued);
  }

  shed(): void {
    this.rejected.inc();
  }

  callFinished(dependency: string, outcome: "ok" | "error", seconds: number): void {
    this.depCalls.inc({ dependency, outcome });
    this.depDuration.observe({ dependency }, seconds);
  }

  retried(dependency: string): void {
    this.depRetries.inc({ dependency });
  }

  failed(dependency: string, kind: string): void {
    this.depErrors.inc({ dependency, kind });
  }

  gateChanged(dependency: string, inFlight: number, queued: number): void {
    this.depInFlight.set({ dependency }, inFlight);
    this.depQueued.set({ dependency }, queued);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
