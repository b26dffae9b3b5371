import type { BenchmarkResult } from "./benchmark.js";
import type { MachineDescription } from "./machine.js";
import { fixed } from "./format.js";

/** Everything one `npm run bench` invocation measured: what `bench/results/<name>.json` holds. */
export interface SuiteResult {
  /** ISO time the run started. */
  date: string;
  /** The benchmarks run (`all` or the one asked for). */
  selection: string;
  smoke: boolean;
  durationSec: number;
  machine: MachineDescription;
  packages: Record<string, string>;
  /** Every headline ratio of every benchmark, flat: `hopRatio`, `coldStartRatio`, ... */
  ratios: Record<string, number | null>;
  benchmarks: BenchmarkResult[];
}

/** The run as Markdown: machine, packages, then one table per benchmark with its ratios and targets. */
export function renderMarkdown(suite: SuiteResult): string {
  const m = suite.machine;
  const lines = [
    `# tschains benchmarks: ${suite.selection}${suite.smoke ? " (smoke run: figures are meaningless)" : ""}`,
    "",
    `Run ${suite.date} in ${suite.durationSec.toFixed(0)} s on ${m.cpuModel}, ${m.cores} cores, ${m.memoryGb} GB RAM, ` +
      `${m.os}, Node ${m.node} (load average at start ${m.loadAverage.join(" ")}).`,
    "",
    `Packages: ${Object.entries(suite.packages).map(([name, version]) => `${name} ${version}`).join(", ")}.`,
    "",
    summaryTable(suite),
    "",
  ];
  for (const b of suite.benchmarks) {
    lines.push(`## ${b.name}: ${b.title}`, "");
    if (!b.available) {
      lines.push(`Not available yet: ${b.reason ?? "unknown reason"}`, "");
      continue;
    }
    lines.push(markdownTable(b.columns, b.rows.map((row) => b.columns.map((c) => row[c] ?? ""))), "");
    if (b.targets.length > 0) {
      lines.push("| target | this run | met |", "|---|---|---|");
      for (const t of b.targets) lines.push(`| ${t.target} | ${fixed(t.value, 2)} | ${t.met === null ? "not measured" : t.met ? "yes" : "**no**"} |`);
      lines.push("");
    }
    for (const note of b.notes) lines.push(`- ${note.replace(/\n/g, " ")}`);
    lines.push("");
  }
  return `${lines.join("\n").trimEnd()}\n`;
}

/** Every target of the run in one table: what the README quotes. */
export function summaryTable(suite: SuiteResult): string {
  const rows: string[][] = [];
  for (const b of suite.benchmarks) {
    if (!b.available) {
      rows.push([b.name, "not available yet", "", ""]);
      continue;
    }
    for (const t of b.targets) rows.push([b.name, t.target, fixed(t.value, 2), t.met === null ? "not measured" : t.met ? "yes" : "**no**"]);
    const targeted = new Set(b.targets.map((t) => t.target.split(" ")[0]));
    for (const [key, value] of Object.entries(b.ratios)) {
      if (!targeted.has(key)) rows.push([b.name, key, fixed(value, 2), ""]);
    }
  }
  return markdownTable(["benchmark", "figure", "this run", "target met"], rows);
}

function markdownTable(columns: string[], rows: string[][]): string {
  const escape = (cell: string) => cell.replace(/\|/g, "\\|");
  return [
    `| ${columns.map(escape).join(" | ")} |`,
    `|${columns.map(() => "---").join("|")}|`,
    ...rows.map((row) => `| ${row.map(escape).join(" | ")} |`),
  ].join("\n");
}

/** The run as plain text for the terminal: aligned columns, one block per benchmark. */
export function renderText(suite: SuiteResult): string {
  const out: string[] = [];
  for (const b of suite.benchmarks) {
    out.push(`\n${b.name}: ${b.title}`);
    if (!b.available) {
      out.push(`  not available yet: ${b.reason ?? "unknown reason"}`);
      continue;
    }
    out.push(alignedTable(b.columns, b.rows.map((row) => b.columns.map((c) => row[c] ?? ""))));
    for (const t of b.targets) out.push(`  ${t.met === null ? "?" : t.met ? "✓" : "✗"} ${t.target}: ${fixed(t.value, 2)}`);
  }
  const m = suite.machine;
  out.push(`\n${m.cpuModel}, ${m.cores} cores, Node ${m.node}; ${suite.durationSec.toFixed(0)} s${suite.smoke ? " (smoke)" : ""}`);
  return `${out.join("\n")}\n`;
}

function alignedTable(columns: string[], rows: string[][]): string {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `  ${cells.map((cell, i) => cell.padEnd(widths[i])).join("  ")}`.trimEnd();
  return [line(columns), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
