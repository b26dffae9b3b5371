/**
 * The tolerant wire's pruning: object properties a reader's schema does not declare are dropped, so a
 * newer writer's extra fields never reach code typed against the older schema. Shared by the served
 * runtime (requests between Chainlets, answers a stub reads) and the generated client (answers), so
 * both drop exactly the same properties. Browser-safe.
 */
import { WIRE_MARKER } from "../protocol/wire-types.js";
import { escapePointer, hasType, resolveRef, unionOf, type Schema } from "./schema-nodes.js";

/**
 * Deletes, in place, every property of an object in `value` that no schema which could describe that
 * object declares (closed objects only: `additionalProperties: false`), and returns the JSON Pointers
 * of what it deleted. `root` holds the `$defs`. Conservative where a union leaves several members
 * possible: a property any of them declares is kept. It never deletes a declared property, so a value
 * that matched the reader's schema up to unknown properties still matches it, minus them.
 */
export function dropUnknownProperties(schema: unknown, value: unknown, root: Schema): string[] {
  const dropped: string[] = [];
  walk([schema], value, "", root, dropped);
  return dropped;
}

/** A schema that allows anything at its place: nothing below it is dropped. */
const ANYTHING: Schema = {};

function isContainer(value: unknown): value is object {
  return typeof value === "object" && value !== null && !(value instanceof Date) && !ArrayBuffer.isView(value);
}

function walk(schemas: unknown[], value: unknown, path: string, root: Schema, dropped: string[]): void {
  if (!isContainer(value)) return;
  const candidates: Schema[] = [];
  for (const schema of schemas) if (!expand(schema, value, root, candidates)) return;
  if (candidates.length === 0) return;
  if (Array.isArray(value)) {
    value.forEach((item, index) => walk(candidates.map((c) => itemSchema(c, index)), item, `${path}/${index}`, root, dropped));
    return;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const subs = candidates.flatMap((candidate) => propertySchemas(candidate, key));
    if (subs.length > 0) {
      walk(subs, record[key], `${path}/${escapePointer(key)}`, root, dropped);
    } else {
      delete record[key];
      dropped.push(`${path}/${escapePointer(key)}`);
    }
  }
}

/**
 * Adds to `out` the schemas that could describe `value` at this node: union members that could match
 * it, every `allOf` part, the node itself. False when the node allows anything (a `true` schema, a
 * reference it cannot follow): then nothing at this place may be dropped.
 */
function expand(schema: unknown, value: unknown, root: Schema, out: Schema[]): boolean {
  if (schema === true) return false;
  const node = resolveRef(schema, root);
  if (!node) return false;
  if (node[WIRE_MARKER] !== undefined) return true;
  const union = unionOf(node);
  if (union) {
    const members = union.filter((member) => couldMatch(member, value, root));
    // No member fits (a client reading a value no schema check has passed): nothing is known to be unknown.
    if (members.length === 0) return false;
    for (const member of members) if (!expand(member, value, root, out)) return false;
  }
  if (Array.isArray(node.allOf)) {
    for (const part of node.allOf) if (!expand(part, value, root, out)) return false;
  }
  if (!onlyCombines(node)) out.push(node);
  return true;
}

/** A node that only combines others (`anyOf`, `allOf`, ...) and says nothing of members or items itself. */
function onlyCombines(node: Schema): boolean {
  return (unionOf(node) !== undefined || Array.isArray(node.allOf)) && !MEMBER_KEYWORDS.some((keyword) => node[keyword] !== undefined);
}

const MEMBER_KEYWORDS = ["properties", "patternProperties", "additionalProperties", "items", "prefixItems"];

function itemSchema(schema: Schema, index: number): unknown {
  const prefix = Array.isArray(schema.prefixItems) ? (schema.prefixItems as unknown[]) : [];
  if (index < prefix.length) return prefix[index];
  return schema.items ?? ANYTHING;
}

/** The schemas `schema` applies to property `key`; none when it is a closed object that does not declare it. */
function propertySchemas(schema: Schema, key: string): unknown[] {
  const found: unknown[] = [];
  const properties = schema.properties as Record<string, unknown> | undefined;
  if (properties && Object.hasOwn(properties, key)) found.push(properties[key]);
  const patterns = schema.patternProperties as Record<string, unknown> | undefined;
  for (const [pattern, sub] of Object.entries(patterns ?? {})) if (patternMatches(pattern, key)) found.push(sub);
  if (found.length > 0) return found;
  const rest = schema.additionalProperties;
  return rest === false ? [] : [rest ?? ANYTHING];
}

const patternCache = new Map<string, RegExp | null>();

/** Whether a `patternProperties` pattern matches `key`; a pattern that does not compile matches (keeps). */
function patternMatches(pattern: string, key: string): boolean {
  let compiled = patternCache.get(pattern);
  if (compiled === undefined) {
    try {
      compiled = new RegExp(pattern, "u");
    } catch {
      compiled = null;
    }
    patternCache.set(pattern, compiled);
  }
  return compiled === null || compiled.test(key);
}

/**
 * A necessary condition for `value` to match `schema` up to unknown properties (so a union member that
 * fails it cannot be the one the value belongs to): type, const, enum, required keys, and the type,
 * const and enum of the properties present (how tagged unions are told apart).
 */
function couldMatch(schema: unknown, value: unknown, root: Schema): boolean {
  const node = resolveRef(schema, root);
  if (!node) return schema !== false;
  if (!shallowMatch(node, value, root)) return false;
  if (!hasType("object", value) || !isContainer(value)) return true;
  const record = value as Record<string, unknown>;
  if (((node.required as string[] | undefined) ?? []).some((key) => !Object.hasOwn(record, key))) return false;
  const properties = (node.properties as Record<string, unknown> | undefined) ?? {};
  return Object.entries(properties).every(([key, sub]) => {
    const resolved = resolveRef(sub, root);
    return !Object.hasOwn(record, key) || !resolved || shallowMatch(resolved, record[key], root);
  });
}

/** Type, const, enum and wire marker of one node, and of a union's members. */
function shallowMatch(node: Schema, value: unknown, root: Schema): boolean {
  if (node[WIRE_MARKER] !== undefined) return typeof value === "string" || (typeof value === "object" && value !== null && !isContainer(value));
  if ("const" in node && (node.const === null || typeof node.const !== "object")) return node.const === value;
  if (Array.isArray(node.enum) && node.enum.every((member) => member === null || typeof member !== "object")) return node.enum.includes(value);
  const union = unionOf(node);
  if (union && !union.some((member) => couldMatch(member, value, root))) return false;
  const types = Array.isArray(node.type) ? node.type : node.type !== undefined ? [node.type] : [];
  return types.length === 0 || types.some((type) => hasType(type, value));
}
