import { diagnosticMessage } from "../compiler/diagnostic-messages.js";
import type { ChainletIR, DependsOptions } from "../compiler/chain-ir.js";
import { DEPENDS_DEFAULTS } from "../runtime-node/authoring/remote-config.js";
import { EmitError } from "./emit-error.js";

/** What to change in one user source file while bundling one Chainlet. */
export interface SourceRewritePlan {
  /** The Chainlet being bundled, when it is declared in this file. */
  target?: ChainletIR;
  /** Every other Chainlet declared in this file: reduced to empty stand-ins. */
  standIns: ChainletIR[];
  /** Import specifier of the runtime module exporting `dependsOn`. */
  dependsOnModule: string;
}

/** Local names the rewrite introduces; prefixed so they cannot clash with user code. */
export const DEPENDS_ON_LOCAL = "__tschainsDependsOn";
export const TARGET_EXPORT = "__tschainsChainlet";

interface Edit {
  start: number;
  end: number;
  replacement: string;
}

/**
 * Rewrites a Chainlet source file using only the spans the compiler recorded in the IR:
 * the target's `depends(X, opts)` calls become `dependsOn("x", {resolved opts})` (so the bundle never
 * pulls in X's code), other Chainlet classes become empty classes with the same export form, and the
 * target is exported under a fixed name for the generated entry. Replacements keep the line count of
 * what they replace, and the added lines go at the end, so source maps stay exact for stack traces.
 */
export function rewriteChainletSource(text: string, plan: SourceRewritePlan): string {
  const edits: Edit[] = [];
  for (const chainlet of plan.standIns) edits.push(standInEdit(text, chainlet));
  if (plan.target) edits.push(...dependsEdits(text, plan.target));
  edits.sort((a, b) => b.start - a.start);
  assertDisjoint(edits);
  let out = text;
  for (const edit of edits) out = out.slice(0, edit.start) + edit.replacement + out.slice(edit.end);
  const tail: string[] = [];
  if (plan.target) {
    if (plan.target.source.dependsCalls.length > 0) {
      tail.push(`import { dependsOn as ${DEPENDS_ON_LOCAL} } from ${JSON.stringify(plan.dependsOnModule)};`);
    }
    tail.push(`export { ${plan.target.className} as ${TARGET_EXPORT} };`);
  }
  return tail.length === 0 ? out : `${out}\n${tail.join("\n")}\n`;
}

function standInEdit(text: string, chainlet: ChainletIR): Edit {
  const { classStart, classEnd, file } = chainlet.source;
  const original = text.slice(classStart, classEnd);
  const header = new RegExp(`\\bclass\\s+${escapeRegExp(chainlet.className)}\\b`).exec(original);
  if (!header) {
    throw new EmitError(diagnosticMessage("CH1401", "classSpan", file, chainlet.className));
  }
  // Decorators may sit before or after `export`; what matters is which modifiers precede `class`.
  const modifiers = original.slice(0, header.index);
  const exportForm = /\bexport\s+default\b/.test(modifiers) ? "export default " : /\bexport\b/.test(modifiers) ? "export " : "";
  return { start: classStart, end: classEnd, replacement: `${exportForm}class ${chainlet.className} {}` + sameLineBreaks(original) };
}

function dependsEdits(text: string, target: ChainletIR): Edit[] {
  const injected = target.injections.filter((injection) => injection.kind === "depends");
  const calls = [...target.source.dependsCalls].sort((a, b) => a.start - b.start);
  if (injected.length !== calls.length) {
    throw new EmitError(diagnosticMessage("CH1402", "injectionCount", target.source.file, target.className, calls.length, injected.length));
  }
  return calls.map((call, index) => {
    const injection = injected[index]!;
    const original = text.slice(call.start, call.end);
    if (!/^depends\s*\(/.test(original) || !original.endsWith(")") || injection.chainlet !== call.chainlet) {
      throw new EmitError(diagnosticMessage("CH1401", "dependsSpan", target.source.file, target.className, call.chainlet, call.start, call.end));
    }
    const replacement = `${DEPENDS_ON_LOCAL}(${JSON.stringify(call.chainlet)}, ${JSON.stringify(orderedOptions(injection.options))})`;
    return { start: call.start, end: call.end, replacement: replacement + sameLineBreaks(original) };
  });
}

/** Fixed key order, so the bundle does not depend on how the compiler happened to build the object. */
function orderedOptions(options: DependsOptions): DependsOptions {
  return Object.fromEntries(Object.keys(DEPENDS_DEFAULTS).map((key) => [key, options[key as keyof DependsOptions]])) as DependsOptions;
}

function sameLineBreaks(original: string): string {
  return "\n".repeat(original.split("\n").length - 1);
}

function assertDisjoint(descending: Edit[]): void {
  for (let i = 1; i < descending.length; i++) {
    if (descending[i]!.end > descending[i - 1]!.start) {
      throw new EmitError(diagnosticMessage("CH1401", "overlap"));
    }
  }
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
