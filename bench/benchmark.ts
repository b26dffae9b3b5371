/** How long and how often a run measures: the full run's budget, or a smoke run's token amounts. */
export interface RunSettings {
  smoke: boolean;
  /** Seconds of load per measured figure. */
  loadSec: number;
  /** Seconds of untimed load before a server's first measurement, so its code is optimised. */
  warmupSec: number;
  /** Every figure is the median of this many repeats. */
  repeats: number;
  /** Concurrent connections of the load levels. */
  connections: number[];
}

export const FULL_SETTINGS: RunSettings = { smoke: false, loadSec: 3, warmupSec: 2, repeats: 3, connections: [1, 10, 64] };
export const SMOKE_SETTINGS: RunSettings = { smoke: true, loadSec: 0.2, warmupSec: 0.1, repeats: 1, connections: [8] };

/** A table cell: text as printed. */
export type Row = Record<string, string>;

/** What one benchmark reports. */
export interface BenchmarkResult {
  name: string;
  title: string;
  /** False when what it measures does not exist yet; `reason` says why and nothing else is filled. */
  available: boolean;
  reason?: string;
  /** Set when the benchmark itself broke (not a missing feature): the run exits with status 1. */
  error?: string;
  columns: string[];
  rows: Row[];
  /**
   * The headline ratios under plain keys (`hopRatio`, ...). Null when a side could not be measured.
   * These are the figures the targets are stated in.
   */
  ratios: Record<string, number | null>;
  /** Each target as text with whether this run met it. */
  targets: TargetCheck[];
  /** Raw figures for anyone who wants to recompute (medians, spreads, every repeat). */
  details: unknown;
  notes: string[];
  seconds: number;
}

export interface TargetCheck {
  target: string;
  value: number | null;
  met: boolean | null;
}

export interface BenchmarkContext {
  settings: RunSettings;
  log(message: string): void;
}

export interface Benchmark {
  name: string;
  title: string;
  run(context: BenchmarkContext): Promise<Omit<BenchmarkResult, "name" | "title" | "seconds">>;
}

/** The result of a benchmark that cannot run yet, reported instead of crashing the suite. */
export function unavailable(reason: string): Omit<BenchmarkResult, "name" | "title" | "seconds"> {
  return { available: false, reason, columns: [], rows: [], ratios: {}, targets: [], details: null, notes: [] };
}

export function atMost(target: string, value: number | null, limit: number): TargetCheck {
  return { target, value, met: value === null ? null : value <= limit };
}

export function atLeast(target: string, value: number | null, limit: number): TargetCheck {
  return { target, value, met: value === null ? null : value >= limit };
}
