import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, test } from "vitest";
import { formatDiagnostics, type Diagnostic } from "../../compiler/diagnostics.js";
import { SchemaCode } from "../../compiler/schema/generate-schemas.js";
import { fixturePath, loadProject, repoRoot, schemasFor } from "./schema-harness.js";

const FILE = fixturePath("rejected.ts");
const SOURCE = readFileSync(FILE, "utf8");

/** 1-based line and column of the first occurrence of `text` in the fixture. */
function positionOf(text: string): { line: number; column: number } {
  const lines = SOURCE.split("\n");
  const line = lines.findIndex((l) => l.includes(text));
  if (line < 0) throw new Error(`fixture has no ${text}`);
  return { line: line + 1, column: lines[line].indexOf(text) + 1 };
}

let check: Diagnostic[];
let generic: Diagnostic[];
let holes: Diagnostic[];

beforeAll(() => {
  const project = loadProject("rejected.ts", "jsdoc.ts");
  check = schemasFor(project, "rejected.ts", "check").diagnostics;
  generic = schemasFor(project, "rejected.ts", "Generic").diagnostics;
  holes = schemasFor(project, "rejected.ts", "holes").diagnostics;
  badTags = schemasFor(project, "jsdoc.ts", "badTags").diagnostics;
});
let badTags: Diagnostic[];

/** [code, full message, text at the diagnostic's location in the fixture]. */
const CASES: [string, string, string][] = [
  [SchemaCode.Function, 'doc.meta.onDone: functions cannot be sent over the wire (type "() => void")', "doc: Doc"],
  [SchemaCode.Any, 'anything: any cannot be checked on the wire; declare the actual type (type "any")', "anything: any"],
  [SchemaCode.Unknown, 'mystery: unknown cannot be checked on the wire; declare the actual type (type "unknown")', "mystery: unknown"],
  [
    SchemaCode.ClassWithMethods,
    'greeter: class instances with methods cannot be sent over the wire (methods: greet); send a plain data type instead (type "Greeter")',
    "greeter: Greeter",
  ],
  [SchemaCode.Symbol, 'key: symbols cannot be sent over the wire (type "symbol")', "key: symbol"],
  [SchemaCode.BigInt, 'big: bigint cannot be sent over the wire; use number or a string (type "bigint")', "big: bigint"],
  [
    SchemaCode.Collection,
    'lookup: Map, Set and weak collections cannot be sent over the wire; use Record<string, T> or an array (type "Map<string, number>")',
    "lookup: Map",
  ],
  [
    SchemaCode.Collection,
    'unique: Map, Set and weak collections cannot be sent over the wire; use Record<string, T> or an array (type "Set<string>")',
    "unique: Set",
  ],
  [
    SchemaCode.Promise,
    'later.value: a Promise inside data cannot be sent over the wire; await it before returning, or return it as the whole result (type "Promise<string>")',
    "later: {",
  ],
  [SchemaCode.Never, 'impossible: never has no values and cannot be sent over the wire (type "never")', "impossible: never"],
  [SchemaCode.Undefined, 'gone.value: a value that is always undefined cannot be sent over the wire (type "undefined")', "gone: {"],
  [SchemaCode.Unsupported, 'blob: the type object does not say what is sent; declare the properties (type "object")', "blob: object"],
  [SchemaCode.Function, 'listener.handle: functions cannot be sent over the wire (type "(event: string) => void")', "listener: Listener"],
  [
    SchemaCode.ClassWithMethods,
    'pattern: class instances with methods cannot be sent over the wire (methods: exec, test, compile); send a plain data type instead (type "RegExp")',
    "pattern: RegExp",
  ],
  [SchemaCode.Function, 'return.items[].cb: functions cannot be sent over the wire (type "(x: number) => void")', "{ items: Item[] }"],
];

describe("every problem of a signature is reported, each with code, path, type and location", () => {
  test("one diagnostic per rejected type, in parameter order, output last", () => {
    expect(check.map((d) => [d.code, d.message])).toEqual(CASES.map(([code, message]) => [code, message]));
  });

  test.each(CASES)("%s %s", (code, message, at) => {
    const diagnostic = check.find((d) => d.message === message);
    expect(diagnostic).toMatchObject({ code, category: "error", file: FILE, ...positionOf(at) });
    expect(diagnostic?.length).toBeGreaterThan(0);
    expect(diagnostic?.sourceText).toBe(SOURCE);
  });

  test("an unresolved generic type parameter is reported for the parameter and the return", () => {
    expect(generic).toMatchObject([
      {
        code: SchemaCode.TypeParameter,
        message: 'value: unresolved generic type parameters cannot be sent over the wire; use a concrete type (type "T")',
        ...positionOf("value: T"),
      },
      {
        code: SchemaCode.TypeParameter,
        message: 'return: unresolved generic type parameters cannot be sent over the wire; use a concrete type (type "T")',
        ...positionOf("Promise<T>"),
      },
    ]);
  });

  test("undefined inside an array and weak collections", () => {
    expect(holes).toMatchObject([
      {
        code: SchemaCode.Undefined,
        message: 'values[]: undefined cannot be sent over the wire; make the property optional or use null (type "undefined")',
        ...positionOf("values: (string"),
      },
      { code: SchemaCode.Collection, message: expect.stringContaining('cache: Map, Set and weak collections'), ...positionOf("cache: WeakMap") },
    ]);
  });

  test("JSDoc tags with unusable values", () => {
    expect(badTags.map((d) => [d.code, d.message])).toEqual([
      [SchemaCode.InvalidTag, 'bad.a: invalid JSDoc tag @minimum "lots": expected a number'],
      [SchemaCode.InvalidTag, 'bad.b: invalid JSDoc tag @pattern "([a-z": Invalid regular expression: /([a-z/u: Unterminated character class'],
      [SchemaCode.InvalidTag, 'bad.c: invalid JSDoc tag @minLength "-1": expected a non-negative integer'],
    ]);
    expect(badTags[0]).toMatchObject({ file: fixturePath("jsdoc.ts"), line: expect.any(Number), column: expect.any(Number) });
  });

  test("diagnostics print like tsc, with a code frame under the parameter", () => {
    const text = formatDiagnostics(check.slice(1, 2), { cwd: repoRoot });
    const { line, column } = positionOf("anything: any");
    expect(text).toContain(`fixtures/types/rejected.ts:${line}:${column} - error CH1101: anything: any cannot be checked`);
    expect(text).toContain("anything: any,\n");
    expect(text).toContain("~~~~~~~~~~~~~");
  });
});
