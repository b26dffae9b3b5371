import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import * as fc from "fast-check";
import { Project } from "ts-morph";
import { describe, expect, it } from "vitest";
import { compileChain } from "../../compiler/compile-chain.js";
import type { JsonSchema } from "../../compiler/chain-ir.js";
import { repoRoot } from "../emitters/build-fixture.js";

/**
 * Property: for each declared type T of fixtures/schema-vs-checker/types.ts and generated JSON values v,
 * ajv with T's generated schema accepts v exactly when TypeScript accepts `const x: T = v`.
 */
const folder = join(repoRoot, "test", "hardening", "fixtures", "schema-vs-checker");
const typesSource = readFileSync(join(folder, "types.ts"), "utf8");

const { ir, diagnostics } = compileChain(join(folder, "chain.ts"));
const input = ir?.chainlets[0]?.schemas.input as JsonSchema & { $defs: Record<string, JsonSchema & { properties: Record<string, JsonSchema> }> };
const KEYS = Object.keys(input?.$defs?.Types?.properties ?? {});

const ajv = new Ajv2020({ strict: false, ownProperties: true });
const validators = new Map(KEYS.map((key) => [key, ajv.compile({ $defs: input.$defs, ...input.$defs.Types!.properties[key] })]));

/** The checker's verdict on each `const x: Types[key] = value`, in one program. */
function checkerVerdicts(samples: { key: string; value: unknown }[]): boolean[] {
  const project = new Project({ useInMemoryFileSystem: true, compilerOptions: { strict: true, target: 99, noEmit: true } });
  const lines = samples.map(({ key, value }, i) => `const v${i}: Types[${JSON.stringify(key)}] = ${JSON.stringify(value)};`);
  const file = project.createSourceFile("probe.ts", `${typesSource}\n${lines.join("\n")}\n`);
  const offset = typesSource.split("\n").length;
  const bad = new Set(file.getPreEmitDiagnostics().map((d) => (d.getLineNumber() ?? 0) - offset - 1));
  return samples.map((_, i) => !bad.has(i));
}

const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.constantFrom(0, 1, 2, -1, 1.5, "a", "b", "Low", "High", "0", "1", "", null, true, false),
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom("Low", "High", "0", "1", "label", "constructor", "toString", "x"), tie("value"), { maxKeys: 4 }),
  ),
})).value;

/** Values built to satisfy some types, so both verdicts are exercised, not only "no". */
const near = fc.oneof(
  fc.record({ Low: fc.constantFrom(0, 1), High: fc.constantFrom(0, 1), 0: fc.constantFrom("Low", "x"), 1: fc.constant("High") }, { requiredKeys: ["Low", "High"] }),
  fc.record({ label: fc.constantFrom("l", 3), constructor: fc.constantFrom(1, "c"), toString: fc.constant("s") }, { requiredKeys: ["label"] }),
  fc.dictionary(fc.constantFrom("0", "1", "2.5"), fc.constantFrom("s", 1), { maxKeys: 2 }),
  fc.tuple(fc.constantFrom("s", 1), fc.constantFrom(1, "s")),
);

describe("generated schemas agree with the TypeScript checker", () => {
  it("compiles the fixture", () => {
    expect(diagnostics).toEqual([]);
    expect(KEYS).toEqual(["enumObject", "keptString", "flipped", "protoNamed", "numberKeys", "levels", "pair", "choice"]);
  });

  it("keeps an alias's JSDoc constraint through a conditional type that passes it through, and drops a misplaced one", () => {
    expect(input.$defs.Documented!.properties).toEqual({ slug: { type: "string", pattern: "^[a-z]+$" }, code: { type: "number" } });
  });

  it("gives `typeof NumericEnum` a schema its value satisfies", () => {
    const validate = validators.get("enumObject")!;
    expect(validate({ Low: 0, High: 1, 0: "Low", 1: "High" })).toBe(true);
    expect(validate({ Low: 0, High: 1, Extra: 2 })).toBe(false);
  });

  it("on generated values, for every declared type", () => {
    // One deliberate difference: TypeScript structurally accepts a string or an array for a number-keyed
    // Record (both have a number index); the schema asks for the object the type declares.
    const structuralOnly = ({ key, value }: { key: string; value: unknown }) => key === "numberKeys" && (typeof value === "string" || Array.isArray(value));
    const samples = fc
      .sample(fc.tuple(fc.constantFrom(...KEYS), fc.oneof(json, near)), { numRuns: 400, seed: 11 })
      .map(([key, value]) => ({ key, value }))
      .filter((sample) => !structuralOnly(sample));
    const verdicts = checkerVerdicts(samples);
    const disagreements = samples
      .map((sample, i) => ({ ...sample, checker: verdicts[i], schema: validators.get(sample.key)!(structuredClone(sample.value)) }))
      .filter((row) => row.checker !== row.schema);
    expect(disagreements).toEqual([]);
    // Both answers occur for most types, so the property is not vacuous.
    const accepted = new Set(samples.filter((_, i) => verdicts[i]).map((sample) => sample.key));
    expect(accepted.size).toBeGreaterThanOrEqual(6);
  });
});
