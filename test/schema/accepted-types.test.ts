import fc from "fast-check";
import { beforeAll, describe, expect, test } from "vitest";
import type { JsonSchema } from "../../compiler/chain-ir.js";
import type { GeneratedSchemas } from "../../compiler/schema/generate-schemas.js";
import { loadProject, newAjv, schemasFor, validatorFor } from "./schema-harness.js";

const FIXTURES = [
  "primitives.ts",
  "objects.ts",
  "arrays-tuples.ts",
  "records.ts",
  "unions.ts",
  "intersections.ts",
  "generics.ts",
  "recursive.ts",
  "date-binary.ts",
  "external.ts",
  "streaming.ts",
  "name-clash.ts",
];

let project: ReturnType<typeof loadProject>;
const cache = new Map<string, GeneratedSchemas>();

beforeAll(() => {
  project = loadProject(...FIXTURES);
});

function schemas(fixture: string, target = "check"): GeneratedSchemas {
  const key = `${fixture}#${target}`;
  if (!cache.has(key)) {
    const generated = schemasFor(project, fixture, target);
    expect(generated.diagnostics.map((d) => d.message)).toEqual([]);
    cache.set(key, generated);
  }
  return cache.get(key) as GeneratedSchemas;
}

/** Validates one parameter of `fixture`'s `check` (or of `target`). */
function param(fixture: string, name: string, target = "check") {
  const validate = validatorFor(schemas(fixture, target).input, name);
  return (value: unknown) => validate(value);
}

function output(fixture: string, target = "check") {
  const validate = validatorFor(schemas(fixture, target).output);
  return (value: unknown) => validate(value);
}

function expectValues(check: (value: unknown) => boolean, accepted: unknown[], rejected: unknown[]) {
  for (const value of accepted) expect(check(value), `should accept ${JSON.stringify(value)}`).toBe(true);
  for (const value of rejected) expect(check(value), `should reject ${JSON.stringify(value)}`).toBe(false);
}

const user = { id: "u1", name: "Ada", tags: ["x"], address: { street: "Main", zip: "123" }, nickname: undefined };
const userArb = fc.record(
  {
    id: fc.string(),
    name: fc.string(),
    age: fc.double({ noNaN: true, noDefaultInfinity: true }),
    nickname: fc.string(),
    tags: fc.array(fc.string()),
    address: fc.record({ street: fc.string(), zip: fc.string() }),
    "content-type": fc.string(),
  },
  { requiredKeys: ["id", "name", "tags", "address"] },
);

describe("input schema shape", () => {
  test("is an object keyed by parameter names; optional parameters and `T | undefined` are not required", () => {
    const { input } = schemas("primitives.ts", "Primitives");
    expect(input.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(Object.keys(input.properties as object)).toEqual(["name", "count", "flag", "nothing", "letter", "answer", "yes", "maybe", "orUndefined"]);
    expect(input.required).toEqual(["name", "count", "flag", "nothing", "letter", "answer", "yes"]);
    const validate = validatorFor(input);
    const valid = { name: "a", count: 1, flag: false, nothing: null, letter: "a", answer: 42, yes: true };
    expect(validate(valid)).toBe(true);
    expect(validate({ ...valid, maybe: "x", orUndefined: 3 })).toBe(true);
    expect(validate({ ...valid, extra: 1 })).toBe(false);
    const { name: _name, ...missing } = valid;
    expect(validate(missing)).toBe(false);
  });
});

describe("primitives and literals", () => {
  test("string, number, boolean, null and literal types", () => {
    const f = "primitives.ts";
    expectValues(param(f, "name", "Primitives"), ["", "x"], [1, null, true]);
    expectValues(param(f, "count", "Primitives"), [0, -1.5], ["1", null]);
    expectValues(param(f, "flag", "Primitives"), [true, false], [0, "true"]);
    expectValues(param(f, "nothing", "Primitives"), [null], [0, ""]);
    expectValues(param(f, "letter", "Primitives"), ["a"], ["b"]);
    expectValues(param(f, "answer", "Primitives"), [42], [41, "42"]);
    expectValues(param(f, "yes", "Primitives"), [true], [false]);
  });

  test("property: any string is a valid string, nothing else is", () => {
    const check = param("primitives.ts", "name", "Primitives");
    fc.assert(fc.property(fc.string(), (s) => check(s)));
    fc.assert(fc.property(fc.oneof(fc.integer(), fc.boolean(), fc.constant(null)), (v) => !check(v)));
  });

  test("void and `T | undefined` returns are sent as null", () => {
    expect(schemas("primitives.ts", "returnsVoid").output).toEqual({ $schema: "https://json-schema.org/draft/2020-12/schema", type: "null" });
    expectValues(output("primitives.ts", "returnsMaybe"), ["x", null], [1]);
  });

  test("template literal types become anchored patterns", () => {
    expectValues(param("primitives.ts", "id", "templateId"), ["user-1", "user--2.5"], ["user-", "user-x", "xuser-1"]);
    expectValues(param("primitives.ts", "tag", "templateId"), ["a:", "b:xyz"], ["c:x", "a"]);
  });
});

describe("objects", () => {
  test("interfaces are closed `$defs` with declaration-ordered properties; optional and `| undefined` are not required", () => {
    const { input } = schemas("objects.ts");
    const defs = input.$defs as Record<string, JsonSchema>;
    expect(Object.keys(defs)).toEqual(["Account", "Admin", "Point", "User"]);
    expect(Object.keys(defs.User.properties as object)).toEqual(["id", "name", "age", "nickname", "tags", "address", "content-type"]);
    expect(defs.User.required).toEqual(["id", "name", "tags", "address"]);
    expect(defs.User.description).toBe("A person with an account.");
    expectValues(
      param("objects.ts", "user"),
      [user, { ...user, age: 3, "content-type": "x" }],
      [{ ...user, nmae: "typo" }, { ...user, id: 1 }, { ...user, address: { street: "x" } }, { ...user, address: { street: "x", zip: "1", floor: 2 } }],
    );
  });

  test("property: generated users are accepted, users with an unknown property or a missing one rejected", () => {
    const check = param("objects.ts", "user");
    fc.assert(fc.property(userArb, (u) => check(u)));
    fc.assert(fc.property(userArb, fc.string({ minLength: 1 }), (u, key) => {
      fc.pre(!(key in u) && !["age", "nickname", "content-type"].includes(key));
      return !check({ ...u, [key]: 1 });
    }));
    fc.assert(fc.property(userArb, fc.constantFrom("id", "name", "tags", "address"), (u, key) => {
      const copy: Record<string, unknown> = { ...u };
      delete copy[key];
      return !check(copy);
    }));
  });

  test("classes with data fields travel like interfaces; #private fields are not sent", () => {
    const account = schemas("objects.ts").input.$defs as Record<string, JsonSchema>;
    expect(Object.keys(account.Account.properties as object)).toEqual(["balance", "owner", "currency"]);
    expectValues(param("objects.ts", "account"), [{ balance: 1, owner: user, currency: "EUR" }], [{ balance: 1, owner: user }]);
  });

  test("interface inheritance includes the base properties", () => {
    expectValues(param("objects.ts", "admin"), [{ ...user, level: 2 }], [{ ...user, level: 4 }, user]);
  });
});

describe("arrays and tuples", () => {
  const f = "arrays-tuples.ts";
  test("arrays of primitives, objects and arrays", () => {
    expectValues(param(f, "names"), [[], ["a", "b"]], [[1], "a"]);
    expectValues(param(f, "scores"), [[1, 2.5]], [["1"]]);
    expectValues(param(f, "points"), [[{ x: 1, y: 2 }]], [[{ x: 1 }]]);
    expectValues(param(f, "grid"), [[[1], []]], [[1]]);
  });

  test("tuples: fixed length, optional elements, rest elements", () => {
    expectValues(param(f, "pair"), [["a", 1]], [["a"], ["a", 1, 2], [1, "a"]]);
    expectValues(param(f, "optionalTail"), [["a"], ["a", 1]], [[], ["a", "b"], ["a", 1, 2]]);
    expectValues(param(f, "rest"), [["a"], ["a", 1, 2, 3]], [[], ["a", "b"]]);
    expectValues(param(f, "named"), [[1, 2]], [[1]]);
    expectValues(output(f), [[{ x: 1, y: 2 }, true]], [[{ x: 1, y: 2 }]]);
  });

  test("property: any array of strings is accepted, any array containing a number rejected", () => {
    const check = param(f, "names");
    fc.assert(fc.property(fc.array(fc.string()), (a) => check(a)));
    fc.assert(fc.property(fc.array(fc.string()), fc.integer(), (a, n) => !check([...a, n])));
  });
});

describe("records and index signatures", () => {
  const f = "records.ts";
  test("Record<string, T> and index signatures accept any key with a valid value", () => {
    expectValues(param(f, "counts"), [{}, { a: 1, b: 2 }], [{ a: "1" }]);
    expectValues(param(f, "headers"), [{ "content-type": "json" }], [{ a: 1 }]);
    expectValues(param(f, "points"), [{ p: { x: 1, y: 2 } }], [{ p: { x: 1 } }]);
    expectValues(param(f, "sparse"), [{ a: 1 }], [{ a: null }]);
  });

  test("Record over literal keys is a closed object with every key required", () => {
    expectValues(param(f, "fixedKeys"), [{ low: 1, high: 2 }], [{ low: 1 }, { low: 1, high: 2, mid: 3 }]);
  });

  test("properties next to an index signature", () => {
    expectValues(param(f, "labeled"), [{ label: "a", n: 1, s: "x" }], [{ n: 1 }, { label: "a", n: true }]);
  });

  test("number keys", () => {
    expectValues(param(f, "byIndex"), [{ "1": "a", "-2.5": "b" }], [{ a: "x" }, { "1": 1 }]);
  });

  test("property: generated string→number records are accepted", () => {
    const check = param(f, "counts");
    fc.assert(fc.property(fc.dictionary(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true })), (r) => check(r)));
  });
});

describe("unions and enums", () => {
  const f = "unions.ts";
  test("literal unions collapse to a named enum", () => {
    const defs = schemas(f).input.$defs as Record<string, JsonSchema>;
    expect(defs.Status).toEqual({ type: "string", enum: ["active", "paused", "deleted"] });
    expectValues(param(f, "status"), ["active", "deleted"], ["gone", 1]);
  });

  test("property: only the literal values are accepted", () => {
    const check = param(f, "status");
    fc.assert(fc.property(fc.constantFrom("active", "paused", "deleted"), (s) => check(s)));
    fc.assert(fc.property(fc.string(), (s) => ["active", "paused", "deleted"].includes(s) || !check(s)));
  });

  test("unions of primitives, null and boolean", () => {
    expect((schemas(f).input.properties as Record<string, JsonSchema>).mixed).toEqual({ type: ["string", "boolean"] });
    expectValues(param(f, "idOrCount"), ["a", 1], [true, null]);
    expectValues(param(f, "nullable"), ["a", null], [1]);
    expectValues(param(f, "mixed"), ["a", true, false], [1]);
    expectValues(param(f, "optionalStatus"), ["active", null], ["x"]);
    expectValues(param(f, "pointOrNull"), [{ x: 1 }, null], [{}, 1]);
  });

  test("discriminated unions", () => {
    const check = param(f, "shape");
    expectValues(check, [{ kind: "circle", radius: 1 }, { kind: "square", side: 2 }], [{ kind: "circle", side: 1 }, { kind: "triangle" }, { radius: 1 }]);
    const shapes = fc.oneof(
      fc.record({ kind: fc.constant("circle"), radius: fc.double({ noNaN: true, noDefaultInfinity: true }) }),
      fc.record({ kind: fc.constant("square"), side: fc.double({ noNaN: true, noDefaultInfinity: true }) }),
    );
    fc.assert(fc.property(shapes, (s) => check(s)));
    fc.assert(fc.property(shapes, (s) => !check({ ...s, kind: s.kind === "circle" ? "square" : "circle" })));
    expectValues(output(f), [{ kind: "square", side: 2 }], [{ kind: "square" }]);
  });

  test("string and number enums, enum members, optional enums keep their $ref", () => {
    const props = schemas(f).input.properties as Record<string, JsonSchema>;
    expect(props.maybeColor).toEqual({ $ref: "#/$defs/Color" });
    expectValues(param(f, "color"), ["red", "green"], ["Red", "blue"]);
    expectValues(param(f, "priority"), [1, 10], [2, "1"]);
    expectValues(param(f, "red"), ["red"], ["green"]);
  });
});

describe("intersections", () => {
  const f = "intersections.ts";
  test("intersections of object types merge into one closed object", () => {
    expectValues(param(f, "person"), [{ name: "a", age: 1 }], [{ name: "a" }, { name: "a", age: 1, x: 1 }]);
    expectValues(param(f, "inline"), [{ name: "a" }, { name: "a", email: "e" }], [{ email: "e" }]);
    expectValues(output(f), [{ name: "a", age: 1 }], [{ name: "a", age: 1, more: 1 }]);
  });

  test("branded primitives travel as the primitive", () => {
    expectValues(param(f, "id"), ["u1"], [1, { __brand: "UserId" }]);
  });
});

describe("generics and utility types", () => {
  const f = "generics.ts";
  test("instantiations get stable readable names", () => {
    expect(Object.keys(schemas(f).input.$defs as object)).toEqual([
      "Nullable_Pair_number_number",
      "Omit_User_tags_or_address",
      "Page_User",
      "Page_string",
      "Pair_number_string",
      "Partial_User",
      "Pick_User_id_or_name",
      "Readonly_Pair_boolean_boolean",
      "Required_Pick_User_id_or_age",
      "User",
    ]);
  });

  test("generic interfaces and aliases", () => {
    expectValues(param(f, "users"), [{ items: [user], total: 1 }], [{ items: ["x"], total: 1 }, { items: [] }]);
    expectValues(param(f, "names"), [{ items: ["x"], total: 1, next: "n" }], [{ items: [1], total: 1 }]);
    expectValues(param(f, "pair"), [{ first: 1, second: "a" }], [{ first: "a", second: 1 }]);
    expectValues(output(f), [{ items: [user], total: 1 }], [{ items: [{}], total: 1 }]);
  });

  test("Partial, Pick, Omit, Required, Readonly and user mapped types", () => {
    expectValues(param(f, "patch"), [{}, { name: "x" }], [{ name: 1 }, { other: 1 }]);
    expectValues(param(f, "summary"), [{ id: "1", name: "a" }], [{ id: "1" }, { id: "1", name: "a", tags: [] }]);
    expectValues(param(f, "withoutTags"), [{ id: "1", name: "a" }], [{ id: "1", name: "a", tags: [] }]);
    expectValues(param(f, "complete"), [{ id: "1", age: 3 }], [{ id: "1" }]);
    expectValues(param(f, "frozen"), [{ first: true, second: false }], [{ first: 1, second: false }]);
    expectValues(param(f, "nullable"), [{ first: null, second: 2 }], [{ first: null }]);
  });
});

describe("recursive types", () => {
  const f = "recursive.ts";
  const tree = fc.letrec((tie) => ({
    node: fc.record({
      value: fc.integer(),
      children: fc.oneof({ maxDepth: 4, depthIdentifier: "tree" }, fc.constant([]), fc.array(tie("node"), { maxLength: 3 })),
    }),
  })).node;

  test("a recursive interface refers to itself", () => {
    const check = param(f, "tree");
    fc.assert(fc.property(tree, (t) => check(t)));
    expect(check({ value: 1, children: [{ value: 2, children: [{ value: "3", children: [] }] }] })).toBe(false);
  });

  test("a recursive JSON alias accepts every JSON value", () => {
    const check = param(f, "json");
    fc.assert(fc.property(fc.jsonValue(), (v) => check(v)));
  });

  test("recursive generics and mutually recursive interfaces", () => {
    expectValues(param(f, "list"), [{ head: "a", tail: { head: "b", tail: null } }], [{ head: "a", tail: { head: 1, tail: null } }]);
    expectValues(
      param(f, "department"),
      [{ name: "d", staff: [{ name: "e", department: { name: "d2", staff: [] } }] }],
      [{ name: "d", staff: [{ name: "e", department: { name: "d2" } }] }],
    );
  });
});

describe("Date and binary types", () => {
  const f = "date-binary.ts";
  test("Date is a date-time string with the Date marker", () => {
    expect((schemas(f).input.properties as Record<string, JsonSchema>).when).toEqual({
      type: "string",
      format: "date-time",
      "x-tschains-type": "Date",
    });
    const check = param(f, "when");
    fc.assert(fc.property(fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) }), (d) => check(d.toISOString())));
    expectValues(check, ["2024-01-02T03:04:05Z"], ["yesterday", 1]);
    expectValues(output(f, "stamps"), [["2024-01-02T03:04:05.000Z"]], [["2024-01-02"]]);
  });

  test("every binary type is a base64 string with its class as marker, alone or inside objects", () => {
    const props = schemas(f).input.properties as Record<string, JsonSchema>;
    const classes = {
      bytes: "Uint8Array",
      buffer: "Buffer",
      f32: "Float32Array",
      f64: "Float64Array",
      i8: "Int8Array",
      i16: "Int16Array",
      i32: "Int32Array",
      clamped: "Uint8ClampedArray",
      u16: "Uint16Array",
      u32: "Uint32Array",
    };
    for (const [name, cls] of Object.entries(classes)) {
      expect(props[name]).toEqual({ type: "string", contentEncoding: "base64", "x-tschains-type": cls });
    }
    const recording = (schemas(f).input.$defs as Record<string, JsonSchema>).Recording.properties as Record<string, JsonSchema>;
    expect(recording.samples["x-tschains-type"]).toBe("Float32Array");
    expect(recording.takenAt["x-tschains-type"]).toBe("Date");
    expect(schemas(f).output["x-tschains-type"]).toBe("Float32Array");
    const check = param(f, "bytes");
    fc.assert(fc.property(fc.uint8Array(), (b) => check(Buffer.from(b).toString("base64"))));
    expect(check([1, 2])).toBe(false);
  });
});

describe("types from other files and node_modules, streams", () => {
  test("an alias from a package and an interface from another file", () => {
    const defs = schemas("external.ts").input.$defs as Record<string, JsonSchema>;
    expect(defs.LevelWithSilent).toEqual({ type: "string", enum: ["fatal", "error", "warn", "info", "debug", "trace", "silent"] });
    expectValues(param("external.ts", "level"), ["info", "silent"], ["verbose"]);
    expectValues(param("external.ts", "tree"), [{ value: 1, children: [] }], [{ value: 1 }]);
  });

  test("two types with the same name from different files get distinct $defs entries", () => {
    const { input, output: out } = schemas("name-clash.ts");
    expect(input.properties).toEqual({ local: { $ref: "#/$defs/User" }, account: { $ref: "#/$defs/User_2" } });
    expectValues(param("name-clash.ts", "local"), [{ login: "a" }], [user]);
    expectValues(param("name-clash.ts", "account"), [user], [{ login: "a" }]);
    expect(out.$ref).toBe("#/$defs/User");
  });

  test("a streaming Chainlet's output schema is one item", () => {
    const { output: schema } = schemas("streaming.ts", "Tokens");
    expect(schema.$ref).toBe("#/$defs/Token");
    expectValues(output("streaming.ts", "Tokens"), [{ text: "a", at: "2024-01-02T03:04:05Z" }], [[{ text: "a", at: "2024-01-02T03:04:05Z" }]]);
  });
});

test("every emitted schema compiles under strict ajv 2020", () => {
  const ajv = newAjv();
  for (const generated of cache.values()) {
    expect(() => ajv.compile(generated.input)).not.toThrow();
    expect(() => ajv.compile(generated.output)).not.toThrow();
  }
  expect(cache.size).toBeGreaterThan(10);
});
