/**
 * What a value loses on the wire, found without a schema: the served hop encodes arguments and answers
 * as JSON (or MessagePack with `binary: true`), so a function, a class instance, a `Map`, a cycle or,
 * in JSON, a NaN does not arrive as it left. `runLocal` uses it to fail where serving would.
 */
import { escapePointer } from "./schema-nodes.js";
import type { ValidationIssue } from "./validation.js";

/** Deepest nesting walked; deeper values are reported rather than overflowing the stack. */
const MAX_DEPTH = 1000;

/**
 * Every place in `value` that does not survive the wire, as JSON Pointers with the reason. `binary`:
 * the MessagePack encoding, where NaN, -0 and the infinities do survive.
 */
export function wireSafetyIssues(value: unknown, binary: boolean): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  walk(value, "", { binary, issues, ancestors: new Set() });
  return issues;
}

interface Walk {
  binary: boolean;
  issues: ValidationIssue[];
  ancestors: Set<object>;
}

function walk(value: unknown, path: string, w: Walk): void {
  const problem = leafProblem(value, w.binary);
  if (problem) {
    w.issues.push({ path: path || "/", message: problem });
    return;
  }
  if (typeof value !== "object" || value === null || value instanceof Date || ArrayBuffer.isView(value)) return;
  if (w.ancestors.has(value)) {
    w.issues.push({ path: path || "/", message: "refers to an object that contains it (a cycle): it cannot be encoded" });
    return;
  }
  if (w.ancestors.size >= MAX_DEPTH) {
    w.issues.push({ path: path || "/", message: `is nested deeper than ${MAX_DEPTH} levels` });
    return;
  }
  w.ancestors.add(value);
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      if (value[index] === undefined) w.issues.push({ path: `${path}/${index}`, message: "is undefined: an array item arrives as null" });
      else walk(value[index], `${path}/${index}`, w);
    }
  } else {
    for (const [key, member] of Object.entries(value)) if (member !== undefined) walk(member, `${path}/${escapePointer(key)}`, w);
  }
  w.ancestors.delete(value);
}

/** Why this value, on its own, does not cross the wire; undefined when it may. */
function leafProblem(value: unknown, binary: boolean): string | undefined {
  switch (typeof value) {
    case "function":
      return "is a function: functions do not cross the wire";
    case "symbol":
      return "is a symbol: symbols do not cross the wire";
    case "bigint":
      return "is a bigint: use a number or a string";
    case "number":
      return binary || Number.isFinite(value) ? undefined : `is ${value}: JSON carries only finite numbers (it arrives as null; binary: true keeps it)`;
    case "object":
      return value === null ? undefined : objectProblem(value);
    default:
      return undefined;
  }
}

function objectProblem(value: object): string | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "is an invalid Date" : undefined;
  if (ArrayBuffer.isView(value)) return value instanceof DataView ? "is a DataView: send a typed array" : undefined;
  if (Array.isArray(value)) return undefined;
  const prototype = Object.getPrototypeOf(value);
  if (prototype === Object.prototype || prototype === null) return undefined;
  const name = (prototype as { constructor?: { name?: unknown } }).constructor?.name;
  return `is a ${typeof name === "string" && name ? name : "class"} instance: only plain objects, arrays, Dates and typed arrays cross the wire (it would arrive as a plain object, without its prototype)`;
}
