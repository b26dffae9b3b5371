/**
 * What a value loses on the wire, found without a schema: the served hop encodes arguments and answers
 * as JSON (or MessagePack with `binary: true`), so a function, a class instance, a `Map`, a cycle or,
 * in JSON, a NaN does not arrive as it left. `runLocal` uses it to fail where serving would.
 */
import { escapePointer } from "./schema-nodes.js";
import type { ValidationIssue } from "./validation.js";

/** Deepest nesting walked; deeper values are reported rather than overflowing the stack. */
const MAX_DEPTH = 1000;

/** A value as the other side of the wire receives it, or every reason it cannot cross. */
export type WireCopy = { ok: true; value: unknown } | { ok: false; issues: ValidationIssue[] };

/**
 * `value` copied as the wire copies it (plain objects and arrays rebuilt, Dates and typed arrays
 * cloned, `undefined` properties left out), or every place in it that does not survive the wire, as
 * JSON Pointers with the reason. `binary`: the MessagePack encoding, where NaN, -0 and the infinities
 * survive. One pass: the check and the copy walk the value once.
 */
export function wireCopy(value: unknown, binary: boolean): WireCopy {
  const w: Walk = { binary, issues: [], ancestors: new Set(), path: [] };
  const copy = walk(value, w);
  return w.issues.length > 0 ? { ok: false, issues: w.issues } : { ok: true, value: copy };
}

interface Walk {
  binary: boolean;
  issues: ValidationIssue[];
  ancestors: Set<object>;
  /** Keys from the root to the value walked: joined into a JSON Pointer only for an issue. */
  path: string[];
}

function report(w: Walk, message: string): undefined {
  w.issues.push({ path: w.path.length === 0 ? "/" : `/${w.path.map(escapePointer).join("/")}`, message });
  return undefined;
}

function walk(value: unknown, w: Walk): unknown {
  const problem = leafProblem(value, w.binary);
  if (problem) return report(w, problem);
  if (typeof value !== "object" || value === null) return value;
  if (value instanceof Date) return new Date(value.getTime());
  if (ArrayBuffer.isView(value)) return copyView(value);
  if (w.ancestors.has(value)) return report(w, "refers to an object that contains it (a cycle): it cannot be encoded");
  if (w.ancestors.size >= MAX_DEPTH) return report(w, `is nested deeper than ${MAX_DEPTH} levels`);
  w.ancestors.add(value);
  const copy = Array.isArray(value) ? copyArray(value, w) : copyObject(value as Record<string, unknown>, w);
  w.ancestors.delete(value);
  return copy;
}

function copyArray(value: unknown[], w: Walk): unknown[] {
  const copy = new Array<unknown>(value.length);
  for (let index = 0; index < value.length; index++) {
    w.path.push(String(index));
    if (value[index] === undefined) report(w, "is undefined: an array item arrives as null");
    else copy[index] = walk(value[index], w);
    w.path.pop();
  }
  return copy;
}

function copyObject(value: Record<string, unknown>, w: Walk): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const member = value[key];
    if (member === undefined) continue;
    w.path.push(key);
    const copied = walk(member, w);
    w.path.pop();
    // A `__proto__` key stays a key (as JSON.parse leaves it): assigning it would set the prototype.
    if (key === "__proto__") Object.defineProperty(copy, key, { value: copied, enumerable: true, writable: true, configurable: true });
    else copy[key] = copied;
  }
  return copy;
}

/** A copy of a typed array (or Buffer) of the same class, with its own memory. */
function copyView(view: ArrayBufferView): ArrayBufferView {
  // Buffer#slice shares memory; Buffer.from copies.
  return Buffer.isBuffer(view) ? Buffer.from(view) : (view as unknown as { slice(): ArrayBufferView }).slice();
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
