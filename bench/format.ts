import { spreadPercent, type Repeated } from "./stats.js";

/** "12 345 ±3%": the median with its spread, so noise is visible next to every figure. */
export function withSpread(r: Repeated, digits: number): string {
  const spread = r.samples.length > 1 ? ` ±${spreadPercent(r).toFixed(0)}%` : "";
  return `${fixed(r.median, digits)}${spread}`;
}

export function fixed(n: number | null, digits: number): string {
  if (n === null || !Number.isFinite(n)) return "n/a";
  return n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function times(n: number | null): string {
  return n === null ? "n/a" : `${n.toFixed(2)}×`;
}
