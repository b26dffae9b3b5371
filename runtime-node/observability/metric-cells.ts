import type { CounterConfiguration, LabelValues, Registry } from "prom-client";

/** prom-client's module, loaded when `/metrics` is first scraped (see `ChainletMetrics`). */
export type PromClient = typeof import("prom-client");

/** A counter's value for one label set: the hot path adds to `value`, prom-client reads it when scraped. */
export interface CounterCell {
  value: number;
}

/**
 * A counter whose counts live in plain cells, one per label set, read into a prom-client Counter at
 * each scrape: prom-client hashes the label values on every `inc` (a bound child too), a cost paid on
 * every request, and the Counter itself exists only once a registry does (`register`). Cells of the
 * same labels add up, so a caller may keep one per label set and site.
 */
export class CounterCells<L extends string> {
  private readonly cells: Array<{ labels: LabelValues<L>; cell: CounterCell }> = [];
  private readonly byLabels = new Map<string, CounterCell>();

  constructor(private readonly config: Omit<CounterConfiguration<L>, "collect" | "registers">) {}

  cell(labels: LabelValues<L>): CounterCell {
    const cell = { value: 0 };
    this.cells.push({ labels, cell });
    return cell;
  }

  /** Adds `count` to the one cell of `labels` (made on first use): for counts off the hot path. */
  add(labels: LabelValues<L>, count = 1): void {
    const key = JSON.stringify(labels);
    let cell = this.byLabels.get(key);
    if (!cell) this.byLabels.set(key, (cell = this.cell(labels)));
    cell.value += count;
  }

  /** Registers in `registry` the prom-client Counter that reads the cells at each scrape. */
  register(client: PromClient, registry: Registry): void {
    const cells = this.cells;
    new client.Counter<L>({
      ...this.config,
      registers: [registry],
      collect() {
        this.reset();
        for (const { labels, cell } of cells) if (cell.value > 0) this.inc(labels, cell.value);
      },
    });
  }
}

/** A histogram's buckets for one label set: `observe` is a bucket search and three additions. */
export class HistogramCell {
  /** Observations per bucket (not cumulative); the last one counts those above every bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    private readonly bounds: readonly number[],
    readonly labels: Record<string, string>,
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    let bucket = 0;
    while (bucket < this.bounds.length && value > this.bounds[bucket]) bucket++;
    this.counts[bucket]++;
    this.sum += value;
    this.count++;
  }
}

interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  sharedLabels?: Record<string, string>;
  metricName: string;
  /** prom-client's bucket values carry an (unused) exemplar slot. */
  exemplar?: null;
}

/**
 * A histogram whose observations go to `HistogramCell`s, as `CounterCells` does for counters, and that
 * a prom-client `Registry` renders and serves (default labels included) once registered in it. It hands
 * the registry the same values, in the same shape and order, as a prom-client Histogram would.
 */
export class HistogramCells {
  readonly type = "histogram";
  readonly aggregator = "sum";
  private readonly cells = new Map<string, HistogramCell>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
  ) {}

  /** Makes `registry` render this histogram. */
  register(registry: Registry): void {
    registry.registerMetric(this as never);
  }

  /** The cell of one label set (made once). */
  cell(labels: Record<string, string>): HistogramCell {
    const key = JSON.stringify(labels);
    let cell = this.cells.get(key);
    if (!cell) {
      cell = new HistogramCell(this.bounds, labels);
      this.cells.set(key, cell);
    }
    return cell;
  }

  /** What the registry renders as text: bucket labels apart from the cell's own (`sharedLabels`). */
  getForPromString(): { name: string; help: string; type: string; aggregator: string; values: MetricValue[] } {
    const values: MetricValue[] = [];
    for (const cell of this.cells.values()) {
      if (cell.count === 0) continue;
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += cell.counts[i];
        values.push({ labels: { le: bound }, sharedLabels: cell.labels, value: cumulative, metricName: `${this.name}_bucket`, exemplar: null });
      });
      values.push({ labels: { le: "+Inf" }, sharedLabels: cell.labels, value: cell.count, metricName: `${this.name}_bucket`, exemplar: null });
      values.push({ labels: {}, sharedLabels: cell.labels, value: cell.sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels: cell.labels, value: cell.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** The JSON form (`registry.getMetricsAsJSON`): every label of a value in `labels`. */
  get(): { name: string; help: string; type: string; aggregator: string; values: MetricValue[] } {
    const data = this.getForPromString();
    return { ...data, values: data.values.map(({ sharedLabels, labels, ...rest }) => ({ ...rest, labels: { ...labels, ...sharedLabels } })) };
  }

  reset(): void {
    for (const cell of this.cells.values()) {
      cell.counts.fill(0);
      cell.sum = 0;
      cell.count = 0;
    }
  }
}
