import type { DiagnosticCode } from "../diagnostic-messages.js";

/**
 * Names of the diagnostic codes of the type → JSON Schema converter (CH1100–CH1199), one per kind of rejection.
 * The README's "Accepted types" table is written from this list; keep both in step.
 */
export const SchemaCode = {
  /** `any` says nothing about what travels, so nothing could be validated. */
  Any: "CH1101",
  /** `unknown` likewise: the receiver could not check or revive it. */
  Unknown: "CH1102",
  /** Functions and methods of data types do not survive JSON. */
  Function: "CH1103",
  /** Instances of classes with methods (or lib objects such as RegExp) arrive as plain objects without them. */
  ClassWithMethods: "CH1104",
  /** Symbols and symbol-keyed properties are dropped by JSON. */
  Symbol: "CH1105",
  /** `bigint` has no JSON form (JSON.stringify throws). */
  BigInt: "CH1106",
  /** Map, Set, WeakMap, WeakSet, WeakRef serialise to `{}`. */
  Collection: "CH1107",
  /** A Promise inside data cannot be sent; only the whole return value may be one. */
  Promise: "CH1108",
  /** A type parameter that is never instantiated has no schema. */
  TypeParameter: "CH1109",
  /** `never` has no value at all. */
  Never: "CH1110",
  /** `undefined`/`void` inside data (outside optional properties and a whole `void` return). */
  Undefined: "CH1111",
  /** A JSDoc constraint tag whose value cannot be used (`@minimum abc`, a bad `@pattern`). */
  InvalidTag: "CH1112",
  /** Any other type with no JSON form (`object`, `Uint8Array<…>`-like unknown lib types, variadic tuples, …). */
  Unsupported: "CH1113",
} as const satisfies Record<string, DiagnosticCode>;

export type SchemaCode = (typeof SchemaCode)[keyof typeof SchemaCode];
