import type { Change, DiffReport } from "./compare-chainlets.js";

/** The report for people: breaking changes first, one line each, then the rollout orders that matter. */
export function formatReport(report: DiffReport): string {
  const lines: string[] = [];
  const breaking = report.changes.filter((change) => change.severity === "breaking");
  const compatible = report.changes.filter((change) => change.severity === "compatible");
  if (breaking.length > 0) {
    lines.push(`Breaking (${breaking.length}):`);
    for (const change of breaking) lines.push(`  ✗ ${describe(change)}`);
  }
  if (compatible.length > 0) {
    lines.push(`Compatible (${compatible.length}):`);
    for (const change of compatible) lines.push(`  ✓ ${describe(change)}${change.rollout ? `\n      rollout: ${change.rollout}` : ""}`);
  }
  if (report.changes.length === 0) lines.push("No interface changes.");
  lines.push(report.breaking ? "Result: BREAKING for existing callers." : "Result: compatible.");
  return `${lines.join("\n")}\n`;
}

/** The report for CI (`--json`): stable keys, one object. */
export function formatJsonReport(report: DiffReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

function describe(change: Change): string {
  const where = change.path ? ` ${change.aspect} ${change.path}` : change.aspect === "chainlet" ? "" : ` ${change.aspect}`;
  const who = change.caller ? ` (for ${change.caller === "outside callers" ? "outside callers" : `caller "${change.caller}"`})` : "";
  return `${change.chainlet}${where}: ${change.reason}${who}`;
}
