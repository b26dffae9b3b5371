import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { exampleValue } from "../../cli/example-value.js";
import type { JsonSchema } from "../../compiler/chain-ir.js";
import { compileChain } from "../../compiler/compile-chain.js";
import { tschainsTypeKeyword } from "../../emitters/wire-keyword.js";
import { repoRoot } from "../emitters/build-fixture.js";

/** The body `chains serve` prints for its curl must pass the input validation it is sent to. */
function validator() {
  const ajv = new Ajv2020({ allErrors: true, strict: false, ownProperties: true });
  addFormats.default(ajv);
  ajv.addKeyword(tschainsTypeKeyword);
  return ajv;
}

describe("the printed example body satisfies the input schema", () => {
  const fixtures = readdirSync(join(repoRoot, "fixtures")).filter((name) => existsSync(join(repoRoot, "fixtures", name, "chain.ts")));

  it.each(fixtures)("for every Chainlet of fixtures/%s", (name) => {
    const { ir, diagnostics } = compileChain(join(repoRoot, "fixtures", name, "chain.ts"));
    expect(diagnostics.filter((d) => d.category === "error")).toEqual([]);
    const ajv = validator();
    for (const chainlet of ir!.chainlets) {
      const validate = ajv.compile(chainlet.schemas.input);
      const example = exampleValue(chainlet.schemas.input);
      expect([chainlet.name, JSON.stringify(example), validate(structuredClone(example)) ? "valid" : validate.errors]).toEqual([chainlet.name, JSON.stringify(example), "valid"]);
    }
  });

  it("for generated schemas with patterns, formats, bounds and sizes", () => {
    const stringSchema = fc.record(
      {
        type: fc.constant("string"),
        pattern: fc.constantFrom("^[A-Z]{3}-\\d{3}$", "^[a-z][a-z0-9-]*$", "^\\+?[0-9]{6,12}$", "^(red|green|blue)$", "x"),
        // Every combination is satisfiable: the shortest "^(red|green|blue)$" match has 3 characters.
        minLength: fc.integer({ min: 0, max: 3 }),
        maxLength: fc.integer({ min: 12, max: 20 }),
      },
      { requiredKeys: ["type"] },
    );
    const formatSchema = fc.record({ type: fc.constant("string"), format: fc.constantFrom("date-time", "date", "email", "uri", "uuid", "ipv4", "hostname") });
    const numberSchema = fc
      .record(
        {
          type: fc.constantFrom("number", "integer"),
          minimum: fc.integer({ min: -50, max: 50 }),
          exclusiveMinimum: fc.integer({ min: -50, max: 50 }),
          maximum: fc.integer({ min: 60, max: 200 }),
          exclusiveMaximum: fc.integer({ min: 60, max: 200 }),
          multipleOf: fc.constantFrom(1, 2, 5, 0.5),
        },
        { requiredKeys: ["type"] },
      )
      .map((schema) => (schema.type === "integer" && schema.multipleOf === 0.5 ? { ...schema, multipleOf: 1 } : schema));
    const leaf = fc.oneof(stringSchema, formatSchema, numberSchema, fc.record({ enum: fc.constant(["b", 2]) }));
    const schema = fc.record({
      type: fc.constant("object"),
      properties: fc.record({ a: leaf, b: fc.record({ type: fc.constant("array"), items: leaf, minItems: fc.integer({ min: 0, max: 3 }) }) }),
      required: fc.constant(["a", "b"]),
      additionalProperties: fc.constant(false),
    });
    const ajv = validator();
    fc.assert(
      fc.property(schema, (generated) => {
        const validate = ajv.compile(generated as JsonSchema);
        const example = exampleValue(generated as JsonSchema);
        expect([JSON.stringify(example), validate(example) ? "valid" : validate.errors]).toEqual([JSON.stringify(example), "valid"]);
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it("prints the same body on every run", () => {
    const schema = { type: "object", properties: { sku: { type: "string", pattern: "^[A-Z]{3}-\\d{3}$" } }, required: ["sku"] };
    expect(exampleValue(schema)).toEqual(exampleValue(schema));
  });
});
