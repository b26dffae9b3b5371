/** A figure measured several times: its median and the spread around it. */
export interface Repeated {
  median: number;
  min: number;
  max: number;
  /** Every repeat, in the order measured. */
  samples: number[];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function repeated(samples: readonly number[]): Repeated {
  return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples), samples: [...samples] };
}

/** Spread as ± percent of the median: half the min–max range, so one figure reads as "median ± x%". */
export function spreadPercent(r: Repeated): number {
  if (r.median === 0 || !Number.isFinite(r.median)) return 0;
  return ((r.max - r.min) / 2 / Math.abs(r.median)) * 100;
}

/** The q-quantile (0..1) of values sorted ascending, nearest-rank. */
export function quantileSorted(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

/** a / b, or null when either side is missing, so a ratio never silently becomes NaN or Infinity. */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a == null || b == null || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return null;
  return a / b;
}
