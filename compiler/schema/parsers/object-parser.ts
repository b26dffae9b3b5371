import { ts } from "ts-morph";
import type { JsonSchema } from "../../chain-ir.js";
import { applyDeclarationDocs, symbolDocs } from "../jsdoc-tags.js";
import { declaredType, includesUndefined, parseWithoutUndefined } from "../optional-types.js";
import type { SchemaContext, TypeParser } from "../schema-context.js";
import { SchemaCode } from "../schema-codes.js";
import type { TypePath } from "../type-path.js";
import { indexSignatureKeywords } from "./index-signature.js";

/**
 * Interfaces, type literals, classes with data fields, mapped and utility types (Partial, Pick, ...), Records.
 * Objects are closed (`additionalProperties: false`) unless they declare an index signature, so a misspelt
 * property is a 400 instead of a silently ignored field.
 */
export const objectParser: TypeParser = {
  supports: (type) => Boolean(type.flags & ts.TypeFlags.Object),
  parse: (type: ts.Type, path: TypePath, context: SchemaContext) => objectSchema(type, path, context),
};

export function objectSchema(type: ts.Type, path: TypePath, context: SchemaContext): JsonSchema {
  const { checker } = context;
  // `#private` fields are not own enumerable properties, so JSON never sends them.
  const properties = checker.getPropertiesOfType(type).filter((p) => !p.getName().startsWith("#"));
  const schemaProperties: JsonSchema = {};
  const required: string[] = [];
  for (const property of properties) {
    const name = property.getName();
    if (name.startsWith("__@")) {
      context.reject(SchemaCode.Symbol, path.symbolKey(name.slice(3).replace(/@\d+$/, "")), "symbol-keyed properties cannot be sent over the wire", type);
      continue;
    }
    const propertyPath = path.property(name);
    const propertyType = checker.getTypeOfSymbol(property);
    if (name === "__proto__") {
      context.reject(SchemaCode.ProtoName, propertyPath, PROTO_MESSAGE, propertyType);
      continue;
    }
    if (isMethodLike(property)) {
      context.reject(SchemaCode.Function, propertyPath, "functions cannot be sent over the wire", propertyType);
      continue;
    }
    const optional = Boolean(property.flags & ts.SymbolFlags.Optional) || includesUndefined(propertyType);
    const declaration = property.valueDeclaration ?? property.declarations?.[0];
    const schema = parseWithoutUndefined(propertyType, declaredType(declaration, checker), propertyPath, context);
    schemaProperties[name] = applyDeclarationDocs(schema, declaration, symbolDocs(property, checker), propertyPath, context);
    if (!optional) required.push(name);
  }

  const schema: JsonSchema = { type: "object" };
  if (Object.keys(schemaProperties).length > 0) schema.properties = schemaProperties;
  if (required.length > 0) schema.required = required;
  return { ...schema, ...indexSignatureKeywords(type, path, context) };
}

/** Why `__proto__` is refused as a property or parameter name (CH1114). */
export const PROTO_MESSAGE =
  "a property named __proto__ cannot travel as data: assigning it to a JavaScript object sets the prototype, so it would vanish from the schema and the value; rename it";

export function isMethodLike(property: ts.Symbol): boolean {
  if (property.flags & ts.SymbolFlags.Method) return true;
  // A class getter lives on the prototype, so JSON.stringify of an instance never sends it.
  return Boolean(property.flags & ts.SymbolFlags.Accessor) && Boolean(property.declarations?.some((d) => ts.isClassLike(d.parent)));
}
