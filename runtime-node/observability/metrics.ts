import type { Registry } from "prom-client";
import { CounterCells, HistogramCells, type CounterCell, type HistogramCell, type PromClient } from "./metric-cells.js";
import { commonJsExports } from "./common-js-exports.js";

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

/** The cells of one route's (or dependency's) counts by status (or outcome), and its latency. */
class CellsOf<K> {
  private readonly counts = new Map<K, CounterCell>();
  constructor(
    private readonly count: (key: K) => CounterCell,
    readonly duration: HistogramCell,
  ) {}

  countOf(key: K): CounterCell {
    let cell = this.counts.get(key);
    if (!cell) {
      cell = this.count(key);
      this.counts.set(key, cell);
    }
    return cell;
  }
}

const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** prom-client's event-loop-delay monitor samples this often by default; the first scrape waits for a sample (see `scrape`). */
const EVENT_LOOP_SAMPLE_MS = 20;

/** One scrape of `/metrics`. */
export interface MetricsScrape {
  contentType: string;
  text: string;
}

/**
 * The Prometheus metrics of one served Chainlet. Counts are kept in plain cells from the start; the
 * prom-client registry that renders them (its own, never prom-client's global one), with the gauges
 * and the process metrics, is made at the first scrape: loading prom-client (and the builtins its
 * default metrics load) was a tenth of a Chainlet's start-up, and a Chainlet that is never scraped
 * never needs it.
 */
export class ChainletMetrics implements TransportObserver {
  private readonly requests = new CounterCells<"route" | "status">({ name: "chains_requests_total", help: "HTTP requests answered, by route and status", labelNames: ["route", "status"] });
  private readonly duration = new HistogramCells("chains_request_duration_seconds", "Time to answer a request (whole stream for streams)", LATENCY_BUCKETS);
  private readonly rejected = new CounterCells({ name: "chains_run_remote_rejected_total", help: "Requests refused with 503 because the queue was full" });
  private readonly depCalls = new CounterCells<"dependency" | "outcome">({ name: "chains_dependency_calls_total", help: "Calls to a dependency, by outcome", labelNames: ["dependency", "outcome"] });
  private readonly depDuration = new HistogramCells("chains_dependency_call_duration_seconds", "Duration of dependency calls, retries included", LATENCY_BUCKETS);
  private readonly depRetries = new CounterCells<"dependency">({ name: "chains_dependency_retries_total", help: "Retried attempts of dependency calls", labelNames: ["dependency"] });
  private readonly depRetriesThrottled = new CounterCells<"dependency">({
    name: "chains_dependency_retries_throttled_total",
    help: "Retries of dependency calls the retry budget did not allow",
    labelNames: ["dependency"],
  });
  private readonly depErrors = new CounterCells<"dependency" | "kind">({
    name: "chains_dependency_errors_total",
    help: "Failed dependency calls, by kind (remote, timeout, connection, protocol, cancelled)",
    labelNames: ["dependency", "kind"],
  });
  private readonly unknownDropped = new CounterCells<"read" | "dependency">({
    name: "chains_unknown_properties_dropped_total",
    help: "Object properties the schema does not declare, dropped by the tolerant wire: in requests from other Chainlets (read=input) and in a dependency's answers (read=output)",
    labelNames: ["read", "dependency"],
  });
  private readonly rejectedCell = this.rejected.cell({});
  /** Cells per route and per dependency, made on first use: the hot path finds them with a lookup or two. */
  private readonly routes = new Map<string, CellsOf<number>>();
  private readonly dependencies = new Map<string, CellsOf<"ok" | "error">>();
  private runGate: GateReading = { inFlight: 0, queued: 0 };
  private readonly depGates = new Map<string, GateReading[]>();
  private registry: Promise<Registry> | undefined;

  constructor(private readonly chainlet: string) {}

  /** The registry, made at the first scrape with every metric in the order it is rendered. */
  private async createRegistry(): Promise<Registry> {
    const client = commonJsExports(await import("prom-client"));
    const registry = new client.Registry();
    registry.setDefaultLabels({ chainlet: this.chainlet });
    this.requests.register(client, registry);
    this.duration.register(registry);
    this.rejected.register(client, registry);
    this.depCalls.register(client, registry);
    this.depDuration.register(registry);
    this.depRetries.register(client, registry);
    this.depRetriesThrottled.register(client, registry);
    this.depErrors.register(client, registry);
    this.unknownDropped.register(client, registry);
    this.registerGauges(client, registry);
    client.collectDefaultMetrics({ register: registry, prefix: "chains_process_" });
    // The event-loop-delay gauges report the samples since the last scrape: give the first one a sample.
    await new Promise((resolve) => setTimeout(resolve, EVENT_LOOP_SAMPLE_MS));
    return registry;
  }

  /** Gauges of work in flight are read from the concurrency gates when scraped, not set per request. */
  private registerGauges(client: PromClient, registry: Registry): void {
    const registers = [registry];
    const metrics = this;
    new client.Gauge({
      name: "chains_run_remote_in_flight",
      help: "runRemote calls running now",
      registers,
      collect() {
        this.set(metrics.runGate.inFlight);
      },
    });
    new client.Gauge({
      name: "chains_run_remote_queued",
      help: "runRemote calls waiting for a concurrency slot",
      registers,
      collect() {
        this.set(metrics.runGate.queued);
      },
    });
    new client.Gauge({
      name: "chains_dependency_in_flight",
      help: "Dependency calls in flight",
      labelNames: ["dependency"],
      registers,
      collect() {
        for (const [dependency, gates] of metrics.depGates) this.set({ dependency }, gates.reduce((sum, gate) => sum + gate.inFlight, 0));
      },
    });
    new client.Gauge({
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
    let cells = this.routes.get(route);
    if (!cells) {
      cells = new CellsOf((status) => this.requests.cell({ route, status: String(status) }), this.duration.cell({ route }));
      this.routes.set(route, cells);
    }
    cells.countOf(status).value++;
    cells.duration.observe(seconds);
  }

  /** The gate of `runRemote` calls, sampled at each scrape. */
  watchRunGate(gate: GateReading): void {
    this.runGate = gate;
  }

  shed(): void {
    this.rejectedCell.value++;
  }

  callFinished(dependency: string, outcome: "ok" | "error", seconds: number): void {
    let cells = this.dependencies.get(dependency);
    if (!cells) {
      cells = new CellsOf((outcome) => this.depCalls.cell({ dependency, outcome }), this.depDuration.cell({ dependency }));
      this.dependencies.set(dependency, cells);
    }
    cells.countOf(outcome).value++;
    cells.duration.observe(seconds);
  }

  retried(dependency: string): void {
    this.depRetries.add({ dependency });
  }

  retryThrottled(dependency: string): void {
    this.depRetriesThrottled.add({ dependency });
  }

  failed(dependency: string, kind: string): void {
    this.depErrors.add({ dependency, kind });
  }

  /** `count` unknown properties dropped from a request (`input`) or from an answer of `dependency` (`output`). */
  unknownPropertiesDropped(read: "input" | "output", dependency: string, count: number): void {
    this.unknownDropped.add({ read, dependency }, count);
  }

  watchGate(dependency: string, gate: GateReading): void {
    const gates = this.depGates.get(dependency);
    if (gates) gates.push(gate);
    else this.depGates.set(dependency, [gate]);
  }

  /** Every metric in Prometheus' text format, and the Content-Type to serve it with. */
  async scrape(): Promise<MetricsScrape> {
    const registry = await (this.registry ??= this.createRegistry());
    return { contentType: registry.contentType, text: await registry.metrics() };
  }
}
