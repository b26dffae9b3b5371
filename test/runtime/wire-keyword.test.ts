import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileStandalone } from "./compile-validators.js";

const S = "https://json-schema.org/draft/2020-12/schema";
const schema = {
  $schema: S,
  type: "object",
  properties: {
    when: { type: "string", format: "date-time", "x-tschains-type": "Date" },
    samples: { type: "string", contentEncoding: "base64", "x-tschains-type": "Float32Array" },
    raw: { type: "string", contentEncoding: "base64", "x-tschains-type": "Buffer" },
    list: { type: "array", items: { $ref: "#/$defs/Tick" } },
  },
  required: ["when", "samples"],
  additionalProperties: false,
  $defs: { Tick: { type: "object", properties: { at: { type: "string", format: "date-time", "x-tschains-type": "Date" } }, required: ["at"] } },
};

describe("tschainsType keyword in ajv standalone code", () => {
  const validate = compileStandalone(schema);

  it("revives wire forms to native values in place", () => {
    const floats = new Float32Array([1.5, -2, 3.25]);
    const body: Record<string, any> = {
      when: "2024-05-01T10:00:00.000Z",
      samples: Buffer.from(floats.buffer).toString("base64"),
      raw: Buffer.from("hi").toString("base64"),
      list: [{ at: "2024-05-02T00:00:00Z" }],
    };
    expect(validate(body)).toBe(true);
    expect(body.when).toBeInstanceOf(Date);
    expect(body.when.toISOString()).toBe("2024-05-01T10:00:00.000Z");
    expect(body.samples).toBeInstanceOf(Float32Array);
    expect([...body.samples]).toEqual([1.5, -2, 3.25]);
    expect(Buffer.isBuffer(body.raw) && body.raw.toString()).toBe("hi");
    expect(body.list[0].at).toBeInstanceOf(Date);
  });

  it("accepts native values as they are", () => {
    const samples = new Float32Array([1]);
    const body = { when: new Date(0), samples };
    expect(validate(body)).toBe(true);
    expect(body.samples).toBe(samples);
  });

  it("names every bad path and why", () => {
    const body = { when: "yesterday", samples: "!!!", raw: Buffer.from("abc").toString("base64"), list: [{ at: 3 }] };
    expect(validate(body)).toBe(false);
    const got = validate.errors!.map((e) => `${e.instancePath} ${e.message}`);
    expect(got).toEqual(
      expect.arrayContaining([
        "/when must be an RFC 3339 date-time string",
        "/samples must be a valid base64 string (standard alphabet, padded)",
        "/list/0/at must be a Date (an RFC 3339 date-time string in JSON)",
      ]),
    );
  });

  it("rejects a length that is not a multiple of the element size and a wrong typed array class", () => {
    expect(validate({ when: new Date(), samples: Buffer.from([1, 2, 3]).toString("base64") })).toBe(false);
    expect(validate.errors![0].message).toBe("must hold a multiple of 4 bytes for a Float32Array, got 3");
    expect(validate({ when: new Date(), samples: new Float64Array(2) })).toBe(false);
    expect(validate.errors![0].message).toBe("must be a Float32Array, got a Float64Array");
  });

  it("checks base64 strings of many MB without overflowing the regexp stack", () => {
    const floats = new Float32Array(3_000_000).fill(0.5);
    const body: Record<string, any> = { when: new Date(0), samples: Buffer.from(floats.buffer).toString("base64") };
    expect(body.samples.length).toBeGreaterThan(10_000_000);
    expect(validate(body)).toBe(true);
    expect(body.samples).toBeInstanceOf(Float32Array);
    expect(body.samples.length).toBe(3_000_000);
    expect(validate({ when: new Date(0), samples: `${"A".repeat(12_000_000)}*AAA` })).toBe(false);
    expect(validate.errors![0].message).toBe("must be a valid base64 string (standard alphabet, padded)");
  });

  it("accepts exactly the padded standard-alphabet base64 strings", () => {
    const padded = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
    const valid = Buffer.from("x").toString("base64");
    const refusedAsBase64 = (s: string) => {
      validate({ when: new Date(0), raw: s, samples: new Float32Array(0) });
      return validate.errors?.some((e) => e.message === "must be a valid base64 string (standard alphabet, padded)") ?? false;
    };
    expect(refusedAsBase64(valid)).toBe(false);
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("A", "z", "0", "+", "/", "=", "-", "_", " "), maxLength: 12 }), (s) => {
        expect(refusedAsBase64(s)).toBe(!padded.test(s));
      }),
      { numRuns: 2000 },
    );
  });
});
