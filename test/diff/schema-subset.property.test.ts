import { Ajv2020 } from "ajv/dist/2020.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { subschemaProblems, type SchemaNode } from "../../diff/schema-subset.js";

// A small vocabulary shared by schemas and values, so random values often hit the schemas' edges.
const KEYS = ["a", "b", "c"];
const STRINGS = ["", "x", "yy", "abc"];
const NUMBERS = [-1, 0, 1, 2, 2.5, 3, 10];

const scalar = fc.oneof(fc.constantFrom(...STRINGS), fc.constantFrom(...NUMBERS), fc.boolean(), fc.constant(null));

const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie("value"), { maxKeys: 3 }),
  ),
}));

const { schema } = fc.letrec<{ schema: SchemaNode }>((tie) => ({
  schema: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({ type: fc.constant("string"), minLength: fc.constantFrom(0, 1, 2), maxLength: fc.constantFrom(1, 3) }, { requiredKeys: ["type"] }),
    fc.record(
      { type: fc.constantFrom("integer", "number"), minimum: fc.constantFrom(0, 1), exclusiveMaximum: fc.constantFrom(3, 10), multipleOf: fc.constantFrom(0.5, 1, 2) },
      { requiredKeys: ["type"] },
    ),
    fc.constantFrom<SchemaNode>({ type: "boolean" }, { type: "null" }, true, { $ref: "#/$defs/T" }, { type: ["string", "null"] }),
    scalar.map((v) => ({ const: v })),
    fc.uniqueArray(scalar, { minLength: 1, maxLength: 3 }).map((values) => ({ enum: values })),
    fc.record(
      {
        type: fc.constant("object"),
        properties: fc.dictionary(fc.constantFrom(...KEYS), tie("schema"), { maxKeys: 3 }),
        required: fc.subarray(KEYS),
        additionalProperties: fc.oneof(fc.boolean(), tie("schema")),
      },
      { requiredKeys: ["type", "properties"] },
    ),
    fc.record({ type: fc.constant("array"), items: tie("schema"), minItems: fc.constantFrom(0, 1), maxItems: fc.constantFrom(1, 2) }, { requiredKeys: ["type", "items"] }),
    fc.record({ type: fc.constant("array"), prefixItems: fc.array(tie("schema"), { minLength: 1, maxLength: 2 }), items: fc.oneof(fc.boolean(), tie("schema")) }),
    fc.array(tie("schema"), { minLength: 1, maxLength: 3 }).map((anyOf) => ({ anyOf })),
    fc.array(tie("schema"), { minLength: 1, maxLength: 2 }).map((oneOf) => ({ oneOf })),
    fc.array(tie("schema"), { minLength: 1, maxLength: 2 }).map((allOf) => ({ allOf })),
  ),
}));

/** A document: a body plus a `$defs/T` that may refer to itself (recursion). */
const doc = fc.record({ body: schema, T: schema.filter((t) => typeof t !== "object" || !("$ref" in t)) }).map(({ body, T }) => ({ $defs: { T }, ...(typeof body === "object" ? body : { allOf: [body] }) }));

const ajv = new Ajv2020({ strict: false });
/** ajv as the oracle; undefined when ajv itself cannot decide (a generated left-recursive `$defs/T` overflows its stack). */
const accepts = (schema: object) => {
  const validate = ajv.compile(schema);
  return (data: unknown): boolean | undefined => {
    try {
      return validate(data) as boolean;
    } catch (error) {
      if (error instanceof RangeError) return undefined;
      throw error;
    }
  };
};

describe("subschemaProblems on generated schemas", () => {
  it("is sound: when it finds no problem, every value the old schema accepts the new one accepts", () => {
    let proved = 0;
    fc.assert(
      fc.property(doc, doc, fc.array(value, { minLength: 30, maxLength: 30 }), (old, next, values) => {
        const problems = subschemaProblems(old, next, { dropUnknownProperties: false });
        if (problems.length > 0) return;
        proved++;
        const [inOld, inNew] = [accepts(old), accepts(next)];
        for (const v of values) if (inOld(v) === true) expect(inNew(v) !== false, `${JSON.stringify(v)} old=${JSON.stringify(old)} new=${JSON.stringify(next)}`).toBe(true);
      }),
      { numRuns: 400 },
    );
    expect(proved).toBeGreaterThan(10);
  });

  it("is sound on pairs where the new schema derives from the old one", () => {
    const variants = (old: Record<string, unknown>) =>
      fc.oneof(
        schema.map((extra) => ({ ...old, anyOf: [{ $ref: "#/$defs/T" }, extra] })),
        schema.map((extra) => ({ $defs: old.$defs, allOf: [{ ...old, $defs: undefined }, extra] })),
        fc.constant({ ...old, additionalProperties: false }),
        fc.constant({ ...old, minLength: 2, minimum: 1 }),
      );
    fc.assert(
      fc.property(
        doc.chain((old) => fc.tuple(fc.constant(old), variants(old))),
        fc.array(value, { minLength: 30, maxLength: 30 }),
        ([old, next], values) => {
          if (subschemaProblems(old, next, { dropUnknownProperties: false }).length > 0) return;
          const [inOld, inNew] = [accepts(old), accepts(JSON.parse(JSON.stringify(next)))];
          for (const v of values) if (inOld(v) === true) expect(inNew(v) !== false, `${JSON.stringify(v)} old=${JSON.stringify(old)} new=${JSON.stringify(next)}`).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("proves what holds by construction: a schema fits itself and any union that contains it", () => {
    fc.assert(
      fc.property(doc, schema, (old, other) => {
        expect(subschemaProblems(old, old, { dropUnknownProperties: false })).toEqual([]);
        const { $defs, ...body } = old;
        const widened = { $defs, anyOf: [body, other] };
        expect(subschemaProblems(old, widened, { dropUnknownProperties: false })).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
