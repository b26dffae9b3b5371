import type { ErrorObject } from "ajv";
import type { ValidateFunction } from "../server/chainlet-meta.js";

/** One reason a value does not match its schema: a JSON Pointer into the value and what is wrong. */
export interface ValidationIssue {
  path: string;
  message: string;
}

/** Every ajv error as path + reason; `required` and `additionalProperties` point at the property itself. */
export function validationIssues(errors: ErrorObject[] | null | undefined, stripPrefix = ""): ValidationIssue[] {
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
      path = `${path}/${params.additionalProperty}`;
      message = "is not allowed here (no such property)";
    } else if (error.keyword === "enum" && Array.isArray(params.allowedValues)) {
      message = `must be one of ${params.allowedValues.map((v) => JSON.stringify(v)).join(", ")}`;
    } else if (error.keyword === "const") {
      message = `must be ${JSON.stringify(params.allowedValue)}`;
    }
    if (stripPrefix && path.startsWith(stripPrefix)) path = path.slice(stripPrefix.length);
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push({ path: path === "" ? "/" : path, message });
  }
  return issues;
}

export function formatIssues(issues: ValidationIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join("; ");
}

/**
 * Validates an output value through its wrapper validator and returns the revived value (Dates and
 * typed arrays native), or the issues when it does not match.
 */
export function checkOutput(validate: ValidateFunction, value: unknown): { ok: true; value: unknown } | { ok: false; issues: ValidationIssue[] } {
  const wrapper = { value: value === undefined ? null : value };
  if (validate(wrapper)) return { ok: true, value: wrapper.value };
  return { ok: false, issues: validationIssues(validate.errors, "/value") };
}
