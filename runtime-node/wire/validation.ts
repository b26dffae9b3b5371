import type { ErrorObject } from "ajv";
import type { TolerantReader, ValidateFunction } from "../server/chainlet-meta.js";
import { dropUnknownProperties } from "./drop-unknown.js";
import { resolveRef, unionOf, type Schema } from "./schema-nodes.js";

/** One reason a value does not match its schema: a JSON Pointer into the value and what is wrong. */
export interface ValidationIssue {
  path: string;
  message: string;
}

/**
 * Every ajv error as path + reason; `required` and `additionalProperties` point at the property itself.
 * `parameters`, when given, are the names a request body accepts at its top level: an unknown one is
 * then reported with the accepted ones, so a typo in a parameter name says what was meant. `schema`,
 * when given, is the validated value's schema: an unknown property deeper down is reported with the
 * properties its object accepts.
 */
export function validationIssues(errors: ErrorObject[] | null | undefined, parameters?: readonly string[], schema?: Schema): ValidationIssue[] {
  const seen = new Set<string>();
  const issues: ValidationIssue[] = [];
  for (const error of errors ?? []) {
    let path = error.instancePath;
    let message = error.message ?? error.keyword;
    const params = error.params as Record<string, unknown>;
    if (error.keyword === "required" && typeof params.missingProperty === "string") {
      path = `${path}/${params.missingProperty}`;
      message = "is required";
    } else if (error.keyword === "additionalProperties" && typeof params.additionalProperty === "string") {
      message = parameters && path === "" ? `is not a parameter (the parameters are ${parameters.join(", ") || "none"})` : unknownPropertyMessage(schema, path);
      path = `${path}/${params.additionalProperty}`;
    } else if (error.keyword === "enum" && Array.isArray(params.allowedValues)) {
      message = `must be one of ${params.allowedValues.map((v) => JSON.stringify(v)).join(", ")}`;
    } else if (error.keyword === "const") {
      message = `must be ${JSON.stringify(params.allowedValue)}`;
    }
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push({ path: path === "" ? "/" : path, message });
  }
  return issues;
}

function unknownPropertyMessage(schema: Schema | undefined, objectPath: string): string {
  const names = schema ? propertyNamesAt(schema, objectPath) : [];
  return names.length > 0 ? `is not allowed here (no such property; the properties are ${names.join(", ")})` : "is not allowed here (no such property)";
}

/** Longest instance path followed to name the properties an object accepts. */
const MAX_NAMING_DEPTH = 64;

/**
 * The property names the schemas at `pointer` (a JSON Pointer into a value of `root`) declare, over
 * every union member that could apply there: what an unknown property's object accepts.
 */
function propertyNamesAt(root: Schema, pointer: string): string[] {
  const segments = pointer === "" ? [] : pointer.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (segments.length > MAX_NAMING_DEPTH) return [];
  let nodes = nodesAt([root], root);
  for (const segment of segments) {
    const next: unknown[] = [];
    for (const node of nodes) {
      const properties = node.properties as Record<string, unknown> | undefined;
      if (properties && Object.hasOwn(properties, segment)) next.push(properties[segment]);
      else if (/^\d+$/.test(segment) && Array.isArray(node.prefixItems) && Number(segment) < node.prefixItems.length) next.push(node.prefixItems[Number(segment)]);
      else if (/^\d+$/.test(segment) && node.items !== undefined) next.push(node.items);
      else if (typeof node.additionalProperties === "object") next.push(node.additionalProperties);
    }
    nodes = nodesAt(next, root);
  }
  const names = new Set<string>();
  for (const node of nodes) for (const name of Object.keys((node.properties as Record<string, unknown> | undefined) ?? {})) names.add(name);
  return [...names];
}

/** The schema nodes `schemas` stand for, references followed and unions and `allOf` spread out. */
function nodesAt(schemas: unknown[], root: Schema): Schema[] {
  const out: Schema[] = [];
  const visit = (schema: unknown, depth: number): void => {
    const node = resolveRef(schema, root);
    if (!node || depth > MAX_NAMING_DEPTH) return;
    out.push(node);
    for (const member of [...(unionOf(node) ?? []), ...(Array.isArray(node.allOf) ? node.allOf : [])]) visit(member, depth + 1);
  };
  for (const schema of schemas) visit(schema, 0);
  return out;
}

export function formatIssues(issues: ValidationIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join("; ");
}

/** A value checked against its schema: revived, minus the unknown properties a tolerant read dropped. */
export type Checked = { ok: true; value: unknown; dropped: readonly string[] } | { ok: false; issues: ValidationIssue[] };

const NOTHING_DROPPED: readonly string[] = [];

/**
 * Validates an output value through its wrapper validator and returns the revived value (Dates and
 * typed arrays native), or the issues when it does not match. With `tolerant` (a stub reading an
 * answer), properties the schema does not declare are dropped instead of rejected (see {@link checkValue}).
 */
export function checkOutput(validate: ValidateFunction, value: unknown, tolerant?: TolerantReader): Checked {
  const wrapper = { value: value === undefined ? null : value };
  const checked = checkValue(validate, wrapper, { tolerant: tolerant && (() => tolerant) });
  if (!checked.ok) return { ok: false, issues: checked.issues.map((issue) => ({ path: unwrapped(issue.path), message: issue.message })) };
  return { ok: true, value: wrapper.value, dropped: checked.dropped.map(unwrapped) };
}

function unwrapped(path: string): string {
  return path.startsWith("/value") && path.length > 6 ? path.slice(6) : "/";
}

/** How {@link checkValue} reads: tolerantly or not, and what names the accepted properties in errors. */
export interface CheckOptions {
  /**
   * The tolerant reader, when unknown properties are to be dropped, not rejected (calls between
   * Chainlets, answers read); asked only once the strict check failed.
   */
  tolerant?: () => TolerantReader | undefined;
  /** The parameter names, when the value is a request body. */
  parameters?: readonly string[];
  /** The value's schema, to name the properties an object accepts when one is unknown. */
  schema?: Schema;
}

/**
 * The tolerant wire's read: the strict validator first (a writer of the same version passes it, at no
 * extra cost); when it fails, the tolerant one, compiled from the same schema with every object open,
 * decides, and the unknown properties are dropped from the value in place. Its errors are the ones
 * reported, so a property that would have been dropped is never blamed.
 */
export function checkValue(strict: ValidateFunction, value: unknown, options: CheckOptions = {}): Checked {
  return strict(value) ? { ok: true, value, dropped: NOTHING_DROPPED } : checkRejected(strict, value, options);
}

/**
 * The rest of {@link checkValue} for a value `strict` has just rejected (its `errors` are that
 * rejection's): the tolerant reader's verdict, or the issues. For a caller that ran the strict check
 * itself, to make nothing more on its passing path.
 */
export function checkRejected(strict: ValidateFunction, value: unknown, options: CheckOptions): Checked {
  const { parameters } = options;
  const tolerant = options.tolerant?.();
  const schema = options.schema ?? tolerant?.schema;
  if (!tolerant) return { ok: false, issues: validationIssues(strict.errors, parameters, schema) };
  if (!tolerant.validate(value)) return { ok: false, issues: validationIssues(tolerant.validate.errors, parameters, schema) };
  return { ok: true, value, dropped: dropUnknownProperties(tolerant.schema, value, tolerant.schema) };
}
