import type { JsonSchema } from "../compiler/chain-ir.js";
import { isBinaryTypeName, WIRE_MARKER } from "../runtime-node/protocol/wire-types.js";

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * Turns the compiler's JSON Schemas back into standalone TypeScript type text for the generated
 * client: `$ref: "#/$defs/X"` → `X`, wire markers → `Date` / the typed array class (`Buffer` becomes
 * `Uint8Array`, so the client needs no Node types), unions, tuples, records, literal types.
 */
export function typeOf(schema: unknown, indent = ""): string {
  if (schema === true || schema === undefined) return "unknown";
  if (schema === false) return "never";
  const node = schema as JsonSchema;
  const wire = node[WIRE_MARKER];
  if (wire === "Date") return "Date";
  // `Buffer` becomes `Uint8Array`, so the client needs no Node types.
  if (typeof wire === "string") return isBinaryTypeName(wire) && wire !== "Buffer" ? wire : "Uint8Array";
  if (typeof node.$ref === "string") return node.$ref.startsWith("#/$defs/") ? defName(decodeURIComponent(node.$ref.slice(8))) : "unknown";
  if ("const" in node) return JSON.stringify(node.const);
  if (Array.isArray(node.enum)) return union(node.enum.map((value) => JSON.stringify(value)));
  for (const keyword of ["anyOf", "oneOf"] as const) {
    if (Array.isArray(node[keyword])) return union((node[keyword] as unknown[]).map((branch) => typeOf(branch, indent)));
  }
  if (Array.isArray(node.allOf)) return (node.allOf as unknown[]).map((part) => wrap(typeOf(part, indent))).join(" & ");
  if (Array.isArray(node.type)) return union((node.type as string[]).map((type) => typeOf({ ...node, type }, indent)));
  switch (node.type) {
    case "string":
      return "string";
    case "number":
    case "integer":
      return "number";
    case "boolean":
      return "boolean";
    case "null":
      return "null";
    case "array":
      return arrayType(node, indent);
    case "object":
      return objectType(node, indent);
    default:
      return node.properties ? objectType(node, indent) : "unknown";
  }
}

/** A `$defs` key as a TypeScript identifier (`Foo<Bar>` → `Foo_Bar_`). */
export function defName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_$]/g, "_");
  return IDENTIFIER.test(cleaned) ? cleaned : `_${cleaned}`;
}

/** An exported declaration for one `$defs` entry: an interface for plain objects, else a type alias. */
export function declaration(name: string, schema: JsonSchema): string {
  const doc = jsDoc(schema, "");
  const isInterface = schema.type === "object" && schema.properties !== undefined && !schema.anyOf && !schema.oneOf && !schema.allOf;
  return isInterface
    ? `${doc}export interface ${defName(name)} ${objectType(schema, "")}\n`
    : `${doc}export type ${defName(name)} = ${typeOf(schema, "")};\n`;
}

/** A JSDoc block from `description` (and `@default`), or nothing. */
export function jsDoc(schema: unknown, indent: string): string {
  if (schema === null || typeof schema !== "object") return "";
  const node = schema as JsonSchema;
  const lines: string[] = [];
  if (typeof node.description === "string") lines.push(...node.description.split("\n"));
  if ("default" in node) lines.push(`@default ${JSON.stringify(node.default)}`);
  if (lines.length === 0) return "";
  const safe = lines.map((line) => line.replace(/\*\//g, "*\\/"));
  return safe.length === 1 ? `${indent}/** ${safe[0]} */\n` : `${indent}/**\n${safe.map((line) => `${indent} * ${line}`).join("\n")}\n${indent} */\n`;
}

function arrayType(node: JsonSchema, indent: string): string {
  if (Array.isArray(node.prefixItems)) {
    const fixed = (node.prefixItems as unknown[]).map((item) => typeOf(item, indent));
    const minItems = typeof node.minItems === "number" ? node.minItems : fixed.length;
    const parts = fixed.map((type, index) => (index < minItems ? type : `${type}?`));
    if (node.items !== undefined && node.items !== false) parts.push(`...${wrap(typeOf(node.items, indent))}[]`);
    return `[${parts.join(", ")}]`;
  }
  return `${wrap(typeOf(node.items, indent))}[]`;
}

function objectType(node: JsonSchema, indent: string): string {
  const inner = `${indent}  `;
  const required = new Set((node.required as string[] | undefined) ?? []);
  const members: string[] = [];
  for (const [key, value] of Object.entries((node.properties as Record<string, unknown> | undefined) ?? {})) {
    const name = IDENTIFIER.test(key) ? key : JSON.stringify(key);
    members.push(`${jsDoc(value, inner)}${inner}${name}${required.has(key) ? "" : "?"}: ${typeOf(value, inner)};`);
  }
  const extra = node.additionalProperties ?? (node.properties ? undefined : node.patternProperties ? Object.values(node.patternProperties as object)[0] : true);
  if (extra !== undefined && extra !== false) members.push(`${inner}[key: string]: ${extra === true ? "unknown" : typeOf(extra, inner)};`);
  return members.length === 0 ? "{}" : `{\n${members.join("\n")}\n${indent}}`;
}

function union(types: string[]): string {
  const unique = [...new Set(types)];
  return unique.length === 0 ? "never" : unique.join(" | ");
}

/** Parenthesises a type with a top-level `|` or `&`, where an array suffix or intersection needs it. */
function wrap(type: string): string {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < type.length; i++) {
    const char = type[i]!;
    if (inString) {
      if (char === "\\") i++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if ("{[(".includes(char)) depth++;
    else if ("}])".includes(char)) depth--;
    else if (depth === 0 && (char === "|" || char === "&")) return `(${type})`;
  }
  return type;
}
