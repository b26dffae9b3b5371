import { ts } from "ts-morph";
import type { JsonSchema } from "../../chain-ir.js";
import { parseWithoutUndefined } from "../optional-types.js";
import type { SchemaContext } from "../schema-context.js";
import type { TypePath } from "../type-path.js";

const NUMERIC_KEY = "^-?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?$";

/**
 * `additionalProperties` (and for number keys, `propertyNames` or `patternProperties`) from the index signatures of an object type:
 * `Record<string, T>` and `{ [key: string]: T }` accept any key with a `T` value. Without an index signature the
 * object is closed.
 */
export function indexSignatureKeywords(type: ts.Type, path: TypePath, context: SchemaContext): JsonSchema {
  const infos = context.checker.getIndexInfosOfType(type);
  const stringInfo = infos.find((i) => i.keyType.flags & ts.TypeFlags.String);
  const numberInfo = infos.find((i) => i.keyType.flags & ts.TypeFlags.Number);
  const info = stringInfo ?? numberInfo ?? infos[0];
  if (!info) return { additionalProperties: false };
  const keyName = info === numberInfo ? "number" : "string";
  // A missing key already means undefined, so `Record<string, T | undefined>` sends the same as `Record<string, T>`.
  const value = parseWithoutUndefined(info.type, undefined, path.value(keyName), context);
  if (!stringInfo && numberInfo && context.checker.getPropertiesOfType(type).length > 0) {
    // Named properties next to number keys (`typeof NumericEnum`: `{ A: 0, "0": "A" }`): a key-name
    // pattern would reject the named ones, so the number keys get their own pattern instead.
    return { patternProperties: { [NUMERIC_KEY]: value }, additionalProperties: false };
  }
  const keywords: JsonSchema = {};
  if (!stringInfo && numberInfo) keywords.propertyNames = { pattern: NUMERIC_KEY };
  keywords.additionalProperties = value;
  return keywords;
}
