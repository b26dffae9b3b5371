import { beforeAll, expect, test } from "vitest";
import type { JsonSchema } from "../../compiler/chain-ir.js";
import type { GeneratedSchemas } from "../../compiler/schema/generate-schemas.js";
import { loadProject, schemasFor, validatorFor } from "./schema-harness.js";

let generated: GeneratedSchemas;
beforeAll(() => {
  generated = schemasFor(loadProject("jsdoc.ts"), "jsdoc.ts", "check");
  expect(generated.diagnostics).toEqual([]);
});

const product = { sku: "ABC-1234", price: 9.99, title: "Lamp", tags: ["home"], contact: "a@b.co" };

test("property tags become schema keywords, and descriptions come from the doc comment", () => {
  const props = (generated.input.$defs as Record<string, JsonSchema>).Product.properties as Record<string, JsonSchema>;
  expect(props.sku).toEqual({ description: "Stock keeping unit.", type: "string", pattern: "^[A-Z]{3}-\\d{4}$" });
  expect(props.price).toEqual({ type: "number", minimum: 0, exclusiveMaximum: 10000, multipleOf: 0.01 });
  expect(props.tags).toMatchObject({ minItems: 1, maxItems: 5, uniqueItems: true });
  expect(props.visible).toEqual({ type: "boolean", default: true });
  expect(props.meta.default).toEqual({ currency: "EUR" });
  expect(props.blurb).toEqual({ description: "Shown to buyers.", type: "string" });
  expect(props.contact).toEqual({ description: "An email address.", type: "string", format: "email" });
});

test("the constraints are enforced", () => {
  const validate = validatorFor(generated.input, "product");
  expect(validate(product)).toBe(true);
  const invalid: Record<string, unknown>[] = [
    { sku: "abc-1234" },
    { price: -1 },
    { price: 10000 },
    { price: 1.001 },
    { title: "" },
    { title: "x".repeat(41) },
    { tags: [] },
    { tags: ["a", "a"] },
    { tags: ["a", "b", "c", "d", "e", "f"] },
    { weight: 0 },
    { contact: "not-an-email" },
  ];
  for (const change of invalid) expect(validate({ ...product, ...change }), JSON.stringify(change)).toBe(false);
});

test("parameters take tags from a JSDoc comment before them and their description from @param", () => {
  const props = generated.input.properties as Record<string, JsonSchema>;
  expect(props.product).toEqual({ description: "the product to create", $ref: "#/$defs/Product" });
  expect(props.quantity).toEqual({ description: "how many to create", type: "number", minimum: 1, maximum: 100 });
  expect(props.owner).toEqual({ description: "An email address.", type: "string", format: "email" });
  const quantity = validatorFor(generated.input, "quantity");
  expect([0, 1, 100, 101].map((n) => quantity(n))).toEqual([false, true, true, false]);
});

test("@integer, @propertyNames, and alias docs on array elements; a property's own description wins over its alias's", () => {
  const project = loadProject("jsdoc.ts");
  const { input, diagnostics } = schemasFor(project, "jsdoc.ts", "order");
  expect(diagnostics).toEqual([]);
  const props = (input.$defs as Record<string, JsonSchema>).Order.properties as Record<string, JsonSchema>;
  expect(props.quantity).toEqual({ type: "integer", minimum: 1 });
  expect(props.notify).toEqual({ description: "Who hears of it.", type: "array", items: { description: "An email address.", type: "string", format: "email" } });
  expect(props.billTo).toEqual({ description: "Where the invoice goes.", type: "string", format: "email" });
  expect(props.labels).toEqual({ type: "object", additionalProperties: { type: "string" }, propertyNames: { pattern: "^[a-z]+$" } });

  const validate = validatorFor(input, "order");
  const good = { quantity: 2, notify: ["a@b.co"], billTo: "c@d.co", labels: { team: "x" } };
  expect(validate(good)).toBe(true);
  for (const change of [{ quantity: 1.5 }, { quantity: 0 }, { notify: ["nope"] }, { labels: { Team: "x" } }]) {
    expect(validate({ ...good, ...change }), JSON.stringify(change)).toBe(false);
  }

  const bad = schemasFor(project, "jsdoc.ts", "badOrderTags").diagnostics;
  expect(bad.map((d) => d.message)).toEqual([
    'bad.a: invalid JSDoc tag @integer "": applies only to a number',
    'bad.b: invalid JSDoc tag @propertyNames "^[a-z]+$": expected a JSON Schema object',
  ]);
});
