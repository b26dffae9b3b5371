import { _, Name, str, type CodeKeywordDefinition, type KeywordCxt } from "ajv";

import { BINARY_TYPES, WIRE_MARKER, isWireTypeName } from "../runtime-node/protocol/wire-types.js";

// Standard alphabet, padded: the form Buffer#toString("base64") writes. Buffer.from() alone would
// silently skip bad characters, so the string is checked first: a length that is a multiple of 4, no
// character outside the alphabet, `=` only as a trailing run of at most two. Two linear scans instead
// of one anchored pattern with a repeated group, whose backtracking overflows V8's regexp stack on
// strings of a few MB.
const NOT_BASE64 = /[^A-Za-z0-9+/=]/;
const PAD_INSIDE = /=[^=]/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

function regexpValue(cxt: KeywordCxt, re: RegExp): Name {
  // Registered as a scope value with its source code, so `ajv/dist/standalone` can emit it as a constant.
  return cxt.gen.scopeValue("pattern", { key: re.source, ref: re, code: _`new RegExp(${re.source}, ${re.flags})` });
}

/**
 * The `tschainsType` ajv keyword. It accepts either the native value (a `Date`, an instance of the
 * named typed array class) or its JSON wire form (an RFC 3339 string, a base64 string) and replaces
 * the wire form by the native value in the parent object, so validation also revives.
 *
 * The keyword generates its code instead of calling a function, so validators compiled with
 * `ajv/dist/standalone` contain it with no imports (only Node's global `Buffer`).
 * Register with `new Ajv({ keywords: [tschainsTypeKeyword] })` or `ajv.addKeyword(tschainsTypeKeyword)`.
 */
export const tschainsTypeKeyword: CodeKeywordDefinition = {
  keyword: "tschainsType",
  schemaType: "string",
  error: {
    message: ({ params }) => _`${params.reason}`,
    params: ({ params }) => _`{reason: ${params.reason}}`,
  },
  code(cxt: KeywordCxt) {
    const { gen, data, schema, it } = cxt;
    if (!isWireTypeName(schema)) throw new Error(`tschainsType: unknown type ${JSON.stringify(schema)}`);
    const reason = gen.let("reason", _`undefined`);
    const native = gen.let("native", _`undefined`);

    if (schema === "Date") {
      const re = regexpValue(cxt, RFC3339);
      gen.if(_`${data} instanceof Date`);
      gen.if(_`isNaN(${data}.getTime())`, () => gen.assign(reason, _`"must be a valid Date"`));
      gen.elseIf(_`typeof ${data} == "string"`);
      gen.if(
        _`!${re}.test(${data}) || isNaN(Date.parse(${data}))`,
        () => gen.assign(reason, _`"must be an RFC 3339 date-time string"`),
        () => gen.assign(native, _`new Date(${data})`),
      );
      gen.else();
      gen.assign(reason, _`"must be a Date (an RFC 3339 date-time string in JSON)"`);
      gen.endIf();
    } else {
      const size = BINARY_TYPES[schema];
      const notBase64 = regexpValue(cxt, NOT_BASE64);
      const padInside = regexpValue(cxt, PAD_INSIDE);
      const isNative = schema === "Buffer" ? _`Buffer.isBuffer(${data})` : _`${data} instanceof ${new Name(schema)}`;
      gen.if(isNative);
      if (schema === "Buffer") {
        // msgpack and callers may hand over a plain Uint8Array: wrap the same memory, no copy.
        gen.elseIf(_`${data} instanceof Uint8Array`);
        gen.assign(native, _`Buffer.from(${data}.buffer, ${data}.byteOffset, ${data}.byteLength)`);
      }
      gen.elseIf(_`typeof ${data} == "string"`);
      gen.if(_`${data}.length % 4 !== 0 || ${notBase64}.test(${data}) || ${padInside}.test(${data}) || ${data}.endsWith("===")`);
      gen.assign(reason, _`"must be a valid base64 string (standard alphabet, padded)"`);
      gen.else();
      const bytes = gen.const("bytes", _`Buffer.from(${data}, "base64")`);
      gen.if(
        _`${bytes}.length % ${size} !== 0`,
        () => gen.assign(reason, _`"must hold a multiple of " + ${size} + " bytes for a " + ${schema} + ", got " + ${bytes}.length`),
        () => {
          if (schema === "Buffer") {
            gen.assign(native, bytes);
          } else {
            // Copy into a fresh, aligned buffer: small decodes share Node's pooled slab.
            const out = gen.const("out", _`new ${new Name(schema)}(${bytes}.length / ${size})`);
            gen.code(_`new Uint8Array(${out}.buffer).set(${bytes})`);
            gen.assign(native, out);
          }
        },
      );
      gen.endIf();
      gen.elseIf(_`ArrayBuffer.isView(${data})`);
      gen.assign(reason, _`"must be a " + ${schema} + ", got a " + ${data}.constructor.name`);
      gen.else();
      gen.assign(reason, _`"must be a " + ${schema} + " (a base64 string in JSON)"`);
      gen.endIf();
    }

    gen.if(
      _`${reason} !== undefined`,
      () => cxt.error(false, { reason }),
      () =>
        gen.if(_`${native} !== undefined && ${it.parentData} !== undefined`, () =>
          gen.assign(_`${it.parentData}[${it.parentDataProperty}]`, native),
        ),
    );
  },
};

/**
 * The `tschainsType` keyword of the generated client's validator: it only checks (a native `Date` or
 * typed array as MessagePack gives them, or their JSON wire form), and revives nothing, so its code
 * needs no `Buffer` and runs in browsers; the client's `revive` does the reviving afterwards.
 */
export const tschainsClientTypeKeyword: CodeKeywordDefinition = {
  keyword: "tschainsType",
  schemaType: "string",
  error: { message: ({ schema }) => str`must be a ${String(schema)} (or its JSON wire form)` },
  code(cxt: KeywordCxt) {
    const { data, schema } = cxt;
    if (!isWireTypeName(schema)) throw new Error(`tschainsType: unknown type ${JSON.stringify(schema)}`);
    if (schema === "Date") {
      const re = regexpValue(cxt, RFC3339);
      cxt.fail(_`!(${data} instanceof Date ? !isNaN(${data}.getTime()) : typeof ${data} == "string" && ${re}.test(${data}) && !isNaN(Date.parse(${data})))`);
      return;
    }
    const notBase64 = regexpValue(cxt, NOT_BASE64);
    const padInside = regexpValue(cxt, PAD_INSIDE);
    const base64 = _`typeof ${data} == "string" && ${data}.length % 4 === 0 && !${notBase64}.test(${data}) && !${padInside}.test(${data}) && !${data}.endsWith("===")`;
    cxt.fail(_`!(ArrayBuffer.isView(${data}) || (${base64}))`);
  },
};

/**
 * A schema ajv can compile: every node marked with `x-tschains-type` becomes `{ tschainsType: T }`
 * (dropping the wire-only keywords such as `format` and `contentEncoding`). The input is not changed.
 */
export function toValidationSchema<S>(schema: S): S {
  return rewrite(schema) as S;
}

function rewrite(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewrite);
  if (node === null || typeof node !== "object") return node;
  const record = node as Record<string, unknown>;
  const marker = record[WIRE_MARKER];
  if (isWireTypeName(marker)) {
    const replaced: Record<string, unknown> = { tschainsType: marker };
    if (typeof record.description === "string") replaced.description = record.description;
    return replaced;
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) out[key] = rewrite(value);
  return out;
}

/**
 * The schema output validators use: `{ value: <output> }`, so a root `Date` or typed array can be
 * replaced in place too. `$defs` move to the wrapper's root so every `#/$defs/...` reference still
 * resolves; references to the output's root (`#`) are pointed at `#/properties/value`.
 */
export function outputWrapperSchema(output: Record<string, unknown>): Record<string, unknown> {
  const { $schema, $defs, $id: _id, ...rest } = output;
  const retargeted = retargetRootRefs(rest) as Record<string, unknown>;
  const wrapper: Record<string, unknown> = {
    $schema: $schema ?? "https://json-schema.org/draft/2020-12/schema",
    type: "object",
    properties: { value: retargeted },
    required: ["value"],
    additionalProperties: false,
  };
  if ($defs !== undefined) wrapper.$defs = retargetRootRefs($defs);
  return wrapper;
}

function retargetRootRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(retargetRootRefs);
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    if (key === "$ref" && typeof value === "string" && value.startsWith("#") && !value.startsWith("#/$defs/")) {
      out[key] = value === "#" ? "#/properties/value" : `#/properties/value${value.slice(1)}`;
    } else {
      out[key] = retargetRootRefs(value);
    }
  }
  return out;
}
