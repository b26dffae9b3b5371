import { describe, expect, it } from "vitest";
import { subschemaProblems, type SchemaNode } from "../../diff/schema-subset.js";

type Case = [name: string, old: SchemaNode, next: SchemaNode, verdict: "contained" | "not contained", path?: string];

const tree = (leaf: object) => ({
  $defs: { Tree: { type: "object", properties: { value: leaf, children: { type: "array", items: { $ref: "#/$defs/Tree" } } }, required: ["value"], additionalProperties: false } },
  $ref: "#/$defs/Tree",
});

// Each verdict is known by construction; the checker must be exact on these everyday shapes.
const CASES: Case[] = [
  ["string to a string enum", { type: "string" }, { enum: ["a", "b"] }, "not contained", "/"],
  ["enum gains a value", { enum: ["a", "b"] }, { enum: ["a", "b", "c"] }, "contained"],
  ["enum loses a value", { enum: ["a", "b"] }, { enum: ["a"] }, "not contained"],
  ["const into its type", { const: 3 }, { type: "integer", minimum: 0 }, "contained"],
  ["integer into number", { type: "integer" }, { type: "number" }, "contained"],
  ["number into integer", { type: "number" }, { type: "integer" }, "not contained"],
  ["minimum raised", { type: "number", minimum: 0 }, { type: "number", minimum: 1 }, "not contained"],
  ["exclusive to inclusive", { type: "number", exclusiveMinimum: 0 }, { type: "number", minimum: 0 }, "contained"],
  ["maxLength lowered", { type: "string", maxLength: 10 }, { type: "string", maxLength: 5 }, "not contained"],
  ["multipleOf divides", { type: "number", multipleOf: 4 }, { type: "number", multipleOf: 2 }, "contained"],
  ["format added", { type: "string" }, { type: "string", format: "email" }, "not contained"],
  ["pattern kept", { type: "string", pattern: "^a" }, { type: "string", pattern: "^a" }, "contained"],
  ["union member removed", { anyOf: [{ type: "string" }, { type: "number" }] }, { type: "string" }, "not contained"],
  ["union member added", { type: "string" }, { anyOf: [{ type: "string" }, { type: "null" }] }, "contained"],
  ["type list to oneOf", { type: ["string", "null"] }, { oneOf: [{ type: "string" }, { type: "null" }] }, "contained"],
  [
    "discriminated oneOf gains a member",
    { oneOf: [{ type: "object", properties: { kind: { const: "a" } }, required: ["kind"] }] },
    {
      oneOf: [
        { type: "object", properties: { kind: { const: "a" } }, required: ["kind"] },
        { type: "object", properties: { kind: { const: "b" } }, required: ["kind"] },
      ],
    },
    "contained",
  ],
  ["allOf merge", { allOf: [{ type: "object", properties: { a: { type: "string" } }, required: ["a"] }, { properties: { b: { type: "number" } } }] }, { type: "object", required: ["a"] }, "contained"],
  ["optional field made required", { type: "object", properties: { a: { type: "string" } } }, { type: "object", properties: { a: { type: "string" } }, required: ["a"] }, "not contained", "/a"],
  ["new optional field", { type: "object", properties: { a: { type: "string" } }, additionalProperties: false }, { type: "object", properties: { a: { type: "string" }, b: { type: "string" } }, additionalProperties: false }, "contained"],
  ["field removed, closed object", { type: "object", properties: { a: { type: "string" }, b: { type: "string" } }, additionalProperties: false }, { type: "object", properties: { a: { type: "string" } }, additionalProperties: false }, "not contained", "/b"],
  ["additionalProperties schema narrowed", { type: "object", additionalProperties: { type: "number" } }, { type: "object", additionalProperties: { type: "integer" } }, "not contained"],
  ["recursive schema, leaf widened", tree({ type: "integer" }), tree({ type: "number" }), "contained"],
  ["recursive schema, leaf narrowed", tree({ type: "number" }), tree({ type: "integer" }), "not contained", "/value"],
  ["tuple gains an optional slot", { type: "array", prefixItems: [{ type: "string" }], items: false }, { type: "array", prefixItems: [{ type: "string" }, { type: "number" }], items: false }, "contained"],
  ["wire type changed", { type: "string", contentEncoding: "base64", "x-tschains-type": "Float32Array" }, { type: "string", contentEncoding: "base64", "x-tschains-type": "Float64Array" }, "not contained"],
  ["Date kept", { type: "string", format: "date-time", "x-tschains-type": "Date" }, { type: "string", format: "date-time", "x-tschains-type": "Date" }, "contained"],
  ["unanalysed keyword added", { type: "string" }, { type: "string", not: { const: "x" } }, "not contained"],
];

describe("subschemaProblems on hand-written pairs", () => {
  it.each(CASES)("%s", (_name, old, next, verdict, path) => {
    const problems = subschemaProblems(old, next, { dropUnknownProperties: false });
    expect(problems.length === 0 ? "contained" : "not contained", JSON.stringify(problems)).toBe(verdict);
    if (path) expect(problems.map((problem) => problem.path)).toContain(path);
  });

  it("says why it cannot decide, and counts that as not contained", () => {
    const [problem] = subschemaProblems({ type: "string" }, { type: "string", not: { const: "x" } }, { dropUnknownProperties: false });
    expect(problem).toMatchObject({ certain: false, reason: expect.stringContaining("possibly breaking") });
  });

  it("does not overflow on a $ref that reaches itself without consuming input: it cannot decide", () => {
    const endless = { $defs: { T: { anyOf: [{ const: "x" }, { $ref: "#/$defs/T" }] } } };
    const problems = subschemaProblems({ ...endless, const: 1 }, { ...endless, anyOf: [{ $ref: "#/$defs/T" }, { type: "string" }] }, { dropUnknownProperties: false });
    expect(problems).toEqual([expect.objectContaining({ certain: false, reason: expect.stringContaining("refers to itself without end") })]);
  });

  it("lets an extra field through to a reader that drops unknown properties, and only then", () => {
    const old = { type: "object", properties: { a: { type: "string" }, b: { type: "string" } }, additionalProperties: false };
    const next = { type: "object", properties: { a: { type: "string" } }, additionalProperties: false };
    expect(subschemaProblems(old, next, { dropUnknownProperties: true })).toEqual([]);
    expect(subschemaProblems(old, next, { dropUnknownProperties: false })).not.toEqual([]);
  });
});
