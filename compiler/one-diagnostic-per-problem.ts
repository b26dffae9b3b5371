import type { Diagnostic } from "./diagnostics.js";

/**
 * TypeScript's "implicitly has type 'any' because it is referenced directly or indirectly in its own
 * initializer" (TS7022/7023/7024): what a `depends()` cycle looks like to tsc. The cycle itself (CH1304)
 * says what is wrong.
 */
const CIRCULARITY_CODES = new Set(["TS7022", "TS7023", "TS7024"]);

function overlaps(a: Diagnostic, b: Diagnostic): boolean {
  if (a.file === undefined || a.file !== b.file || a.line !== b.line) return false;
  const aStart = a.column ?? 1;
  const bStart = b.column ?? 1;
  return aStart < bStart + (b.length ?? 1) && bStart < aStart + (a.length ?? 1);
}

/**
 * One problem, one diagnostic: drops TypeScript's error on a node a tschains (CH) error already explains
 * (a `runRemote` parameter without a type is CH1005, not also TS7006), and tsc's implicit-any noise of a
 * dependency cycle when the cycle is reported.
 */
export function oneDiagnosticPerProblem(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const own = diagnostics.filter((d) => d.code.startsWith("CH") && d.category === "error");
  const hasCycle = own.some((d) => d.code === "CH1304");
  return diagnostics.filter((d) => {
    if (!d.code.startsWith("TS")) return true;
    if (hasCycle && CIRCULARITY_CODES.has(d.code)) return false;
    return !own.some((mine) => overlaps(mine, d));
  });
}
