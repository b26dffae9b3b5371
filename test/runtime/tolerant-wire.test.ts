import { describe, expect, it } from "vitest";
import { outputWrapperSchema } from "../../emitters/wire-keyword.js";
import { dropUnknownProperties } from "../../runtime-node/wire/drop-unknown.js";
import { checkOutput, checkValue, formatIssues } from "../../runtime-node/wire/validation.js";
import { compileValidators } from "./compile-validators.js";

type Schema = Record<string, unknown>;

const closed = (properties: Record<string, unknown>, required: string[] = Object.keys(properties)): Schema => ({
  type: "object",
  properties,
  required,
  additionalProperties: false,
});
const str = { type: "string" };
const num = { type: "number" };
const tag = (value: string) => ({ type: "string", const: value });

/** An output schema as the compiler writes one: a root node with its named types in `$defs`. */
function output(root: Schema, defs: Record<string, Schema> = {}): Schema {
  return { $schema: "https://json-schema.org/draft/2020-12/schema", ...root, ...(Object.keys(defs).length > 0 ? { $defs: defs } : {}) };
}

/** Reads `value` as a stub reads a dependency's answer of schema `schema` (tolerant). */
function readAnswer(schema: Schema, value: unknown) {
  const validators = compileValidators(closed({}), closed({}), { dep: schema });
  const { output: strict, tolerantOutput } = validators.dependencies.dep!;
  return checkOutput(strict, value, tolerantOutput);
}

const contact = output(
  { $ref: "#/$defs/Contact" },
  {
    Contact: { anyOf: [closed({ kind: tag("email"), email: str }), closed({ kind: tag("phone"), phone: str })] },
  },
);

describe("the tolerant wire's read of a dependency's answer", () => {
  it("drops a field a newer writer added to one member of a tagged union, and keeps the rest", () => {
    const read = readAnswer(contact, { kind: "email", email: "ada@example.com", verified: true });
    expect(read).toEqual({ ok: true, value: { kind: "email", email: "ada@example.com" }, dropped: ["/verified"] });
    expect(readAnswer(contact, { kind: "phone", phone: "+49" })).toEqual({ ok: true, value: { kind: "phone", phone: "+49" }, dropped: [] });
  });

  it("never drops a property of the member the value belongs to while trying another (ajv removeAdditional would)", () => {
    const note = output({ anyOf: [closed({ text: str }), closed({ markdown: str })] });
    expect(readAnswer(note, { markdown: "*hi*", rendered: "<p>hi</p>" })).toEqual({ ok: true, value: { markdown: "*hi*" }, dropped: ["/rendered"] });
    const nested = output({
      anyOf: [closed({ kind: tag("a"), p: closed({ q: num }, []) }), closed({ kind: tag("b"), p: closed({ r: str }, []) })],
    });
    expect(readAnswer(nested, { kind: "b", p: { r: "kept", extra: 1 } })).toEqual({ ok: true, value: { kind: "b", p: { r: "kept" } }, dropped: ["/p/extra"] });
  });

  it("keeps a property some possible member declares when the members cannot be told apart", () => {
    const either = output({ anyOf: [closed({ x: num }, []), closed({ y: str }, [])] });
    expect(readAnswer(either, { y: "s", z: 1 })).toEqual({ ok: true, value: { y: "s" }, dropped: ["/z"] });
  });

  it("still rejects what does not match, without blaming the properties it would drop", () => {
    const read = readAnswer(contact, { kind: "email", email: 5, verified: true });
    expect(read.ok).toBe(false);
    const message = read.ok ? "" : formatIssues(read.issues);
    expect(message).toContain("/email: must be string");
    expect(message).not.toContain("verified");
  });

  it("revives Dates and drops unknown properties inside arrays and records", () => {
    const schema = output(
      closed({
        events: { type: "array", items: closed({ at: { type: "string", format: "date-time", "x-tschains-type": "Date" } }) },
        counts: { type: "object", additionalProperties: num },
        byIndex: { type: "object", patternProperties: { "^(?:0|[1-9][0-9]*)$": str }, additionalProperties: false },
      }),
    );
    const read = readAnswer(schema, {
      events: [{ at: "2026-01-02T03:04:05Z", by: "x" }, { at: "2026-01-03T00:00:00Z" }],
      counts: { anything: 1, goes: 2 },
      byIndex: { 0: "zero", name: "dropped" },
      version: 2,
    });
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.dropped).toEqual(["/events/0/by", "/byIndex/name", "/version"]);
    const value = read.value as { events: { at: unknown }[]; counts: unknown; byIndex: unknown };
    expect(value.events[0]!.at).toBeInstanceOf(Date);
    expect(value.counts).toEqual({ anything: 1, goes: 2 });
    expect(value.byIndex).toEqual({ 0: "zero" });
  });

  it("drops `__proto__` and `constructor` keys as data, without touching any prototype", () => {
    const read = readAnswer(output(closed({ id: str })), JSON.parse('{"id":"x","__proto__":{"polluted":true},"constructor":1}'));
    expect(read.ok && read.dropped).toEqual(["/__proto__", "/constructor"]);
    expect(read.ok && Object.keys(read.value as object)).toEqual(["id"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("drops the same properties where the generated client reads (the raw output schema) as where a stub reads", () => {
    const value = { kind: "email", email: "a@b.c", verified: true };
    const clientCopy = structuredClone(value);
    // The stub's reader sees the `{ value }` wrapper; the same drop, at the same paths.
    const wrapper = outputWrapperSchema(contact);
    expect(dropUnknownProperties(wrapper, { value: structuredClone(value) }, wrapper)).toEqual(["/value/verified"]);
    expect(dropUnknownProperties(contact, clientCopy, contact)).toEqual(["/verified"]);
    const stub = readAnswer(contact, value);
    expect(stub.ok && stub.value).toEqual(clientCopy);
  });
});

describe("reading a request body", () => {
  const input = {
    ...closed({ request: { $ref: "#/$defs/Request" }, shout: { type: "boolean" } }, ["request"]),
    $defs: { Request: closed({ id: str, locale: str }, ["id"]) },
  };
  const validators = compileValidators(input, output(str));
  const parameters = ["request", "shout"];

  it("from an outside caller: an unknown property is an error naming it and the accepted ones, at any depth", () => {
    const read = checkValue(validators.input, { request: { id: "7", loacle: "de" }, shuot: true }, { parameters, schema: validators.tolerantInput!.schema });
    expect(read.ok).toBe(false);
    expect(!read.ok && formatIssues(read.issues)).toBe(
      "/shuot: is not a parameter (the parameters are request, shout); /request/loacle: is not allowed here (no such property; the properties are id, locale)",
    );
  });

  it("from another Chainlet: unknown parameters and properties are dropped and reported", () => {
    const body = { request: { id: "7", region: "eu" }, trace: true };
    const read = checkValue(validators.input, body, { parameters, tolerant: () => validators.tolerantInput });
    expect(read).toEqual({ ok: true, value: { request: { id: "7" } }, dropped: ["/request/region", "/trace"] });
  });

  it("from another Chainlet: a wrong type is still a 400-worthy error", () => {
    const read = checkValue(validators.input, { request: { id: 7 }, extra: 1 }, { parameters, tolerant: () => validators.tolerantInput });
    expect(!read.ok && formatIssues(read.issues)).toBe("/request/id: must be string");
  });
});
