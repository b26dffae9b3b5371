import { BINARY_TYPES, WIRE_MARKER, isBinaryTypeName, type BinaryTypeName } from "../protocol/wire-types.js";
import { hasType, resolveRef, unionOf, type Schema } from "../wire/schema-nodes.js";


type TypedArrayClass = new (buffer: ArrayBuffer, offset: number, length: number) => ArrayBufferView;

/** The class a binary wire type comes back as: its global, except `Buffer` (none in browsers), a Uint8Array. */
function typedArrayClass(name: BinaryTypeName): TypedArrayClass {
  return name === "Buffer" ? Uint8Array : (globalThis as unknown as Record<string, TypedArrayClass>)[name]!;
}

/** The bytes of a base64 string, with `atob` (there in browsers, Deno, Bun and Node 16+). */
export function base64Bytes(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Base64 of a typed array's bytes, with `btoa`. */
export function base64Of(view: ArrayBufferView): string {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** `JSON.stringify` replacer that writes typed arrays as base64 of their bytes, as the wire wants. */
export function base64Replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  // `this[key]` is the value before toJSON ran: a Buffer's toJSON would turn it into a number array.
  const raw = this[key];
  return ArrayBuffer.isView(raw) ? base64Of(raw) : value;
}

/** Whether an object's const/enum properties allow the value (how tagged unions are told apart). */
function tagsMatch(schema: Schema, value: Record<string, unknown>, root: Schema): boolean {
  if (((schema.required as string[] | undefined) ?? []).some((key) => !(key in value))) return false;
  return Object.entries((schema.properties as Record<string, Schema> | undefined) ?? {}).every(([key, sub]) => {
    const resolved = resolveRef(sub, root);
    const tagged = resolved !== undefined && ("const" in resolved || Array.isArray(resolved.enum));
    return !(key in value) || !tagged || matches(resolved, value[key], root);
  });
}

/** A shallow check to pick the union branch a value belongs to: type, const, enum and required keys. */
function matches(schema: Schema | undefined, value: unknown, root: Schema): boolean {
  if (!schema) return true;
  if ("const" in schema) return schema.const === value;
  if (Array.isArray(schema.enum)) return schema.enum.includes(value);
  if (schema[WIRE_MARKER]) return typeof value === "string";
  const union = unionOf(schema);
  if (union) return union.some((branch) => matches(resolveRef(branch, root), value, root));
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length > 0 && !types.some((type) => hasType(type, value))) return false;
  return !hasType("object", value) || tagsMatch(schema, value as Record<string, unknown>, root);
}

/** A Date or typed array from its JSON wire form, when `schema` marks one; undefined otherwise. */
function wireValue(schema: Schema, value: unknown): unknown {
  const wire = schema[WIRE_MARKER];
  if (typeof value !== "string") return undefined;
  if (wire === "Date") return new Date(value);
  if (!isBinaryTypeName(wire)) return undefined;
  const bytes = base64Bytes(value);
  return new (typedArrayClass(wire))(bytes.buffer as ArrayBuffer, 0, bytes.length / BINARY_TYPES[wire]);
}

function reviveMembers(schema: Schema, value: object, root: Schema): unknown {
  if (Array.isArray(value)) {
    const prefix = schema.prefixItems as Schema[] | undefined;
    return value.map((item, index) => revive(prefix?.[index] ?? schema.items, item, root));
  }
  const record = value as Record<string, unknown>;
  const properties = (schema.properties as Record<string, Schema> | undefined) ?? {};
  const rest = typeof schema.additionalProperties === "object" ? (schema.additionalProperties as Schema) : undefined;
  for (const key of Object.keys(record)) {
    const sub = Object.hasOwn(properties, key) ? properties[key] : rest;
    if (sub) record[key] = revive(sub, record[key], root);
  }
  return record;
}

/**
 * Turns the JSON wire forms in `value` back into Dates and typed arrays, guided by the output schema
 * (`root` holds its `$defs`). Objects are revived in place.
 */
export function revive(schema: unknown, value: unknown, root: Schema): unknown {
  const node = resolveRef(schema, root);
  if (!node || value === null || value === undefined) return value;
  const wire = wireValue(node, value);
  if (wire !== undefined) return wire;
  const union = unionOf(node);
  if (union) {
    const branch = union.find((candidate) => matches(resolveRef(candidate, root), value, root));
    return branch ? revive(branch, value, root) : value;
  }
  if (Array.isArray(node.allOf)) return (node.allOf as Schema[]).reduce((acc: unknown, part) => revive(part, acc, root), value);
  return typeof value === "object" ? reviveMembers(node, value, root) : value;
}
