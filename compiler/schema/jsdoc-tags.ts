import { diagnosticMessage } from "../diagnostic-messages.js";
import { ts } from "ts-morph";
import type { JsonSchema } from "../chain-ir.js";
import type { SchemaContext } from "./schema-context.js";
import { SchemaCode } from "./schema-codes.js";
import type { TypePath } from "./type-path.js";

/** The documentation of a property, parameter or named type: free text plus its tags. */
export interface Docs {
  description?: string;
  tags: { name: string; text: string }[];
}

const NUMBER_TAGS = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"];
const COUNT_TAGS = ["minLength", "maxLength", "minItems", "maxItems"];
const STRING_TAGS = ["pattern", "format"];

/** Docs of a declared symbol (property, interface, type alias, enum). */
export function symbolDocs(symbol: ts.Symbol, checker: ts.TypeChecker): Docs {
  const description = ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();
  const tags = symbol.getJsDocTags(checker).map((t) => ({ name: t.name, text: ts.displayPartsToString(t.text).trim() }));
  return { description: description || undefined, tags };
}

/**
 * Docs of a `runRemote` parameter: the text of the method's `@param name` tag, plus the tags of a JSDoc
 * comment written right before the parameter (`runRemote(/** @minimum 0 *\/ age: number)`).
 */
export function parameterDocs(parameter: ts.Node): Docs {
  const docs: Docs = { tags: [] };
  for (const tag of ts.getJSDocTags(parameter)) {
    const text = (ts.getTextOfJSDocComment(tag.comment) ?? "").trim();
    if (ts.isJSDocParameterTag(tag)) docs.description = text.replace(/^-\s*/, "") || undefined;
    else docs.tags.push({ name: tag.tagName.text, text });
  }
  for (const doc of ts.getJSDocCommentsAndTags(parameter)) {
    if (ts.isJSDoc(doc) && doc.parent === parameter && doc.comment && !docs.description) {
      docs.description = (ts.getTextOfJSDocComment(doc.comment) ?? "").trim() || undefined;
    }
  }
  return docs;
}

/**
 * Adds the schema keywords the docs ask for. A bad tag value is reported (CH1112) rather than silently
 * dropped, since the user meant a constraint to be enforced. `@integer` narrows `type: "number"` to
 * `type: "integer"`, the one constraint a TypeScript `number` cannot state.
 */
export function applyDocs(schema: JsonSchema, docs: Docs, path: TypePath, context: SchemaContext): JsonSchema {
  const refinements: JsonSchema = {};
  for (const { name, text } of docs.tags) {
    const value = name === "integer" ? integerTag(schema, text) : tagValue(name, text);
    if (value === undefined) continue;
    if (value instanceof Error) {
      context.report(diagnosticMessage(SchemaCode.InvalidTag, "invalidTag", String(path), name, text, value.message));
      continue;
    }
    refinements[name === "integer" ? "type" : name] = value;
  }
  const description = (refinements.description as string | undefined) ?? docs.description;
  delete refinements.description;
  if (description === undefined) return Object.keys(refinements).length === 0 ? schema : { ...schema, ...refinements };
  // The nearer docs describe better: a property's own text replaces that of the alias it is declared with.
  const { description: _aliasDescription, ...rest } = schema;
  return { description, ...rest, ...refinements };
}

function integerTag(schema: JsonSchema, text: string): string | Error {
  if (text !== "") return new Error("takes no value");
  return schema.type === "number" ? "integer" : new Error("applies only to a number");
}

/** The schema value of a tag; undefined for tags that are not schema keywords (`@deprecated`, `@example`). */
function tagValue(name: string, text: string): unknown {
  if (NUMBER_TAGS.includes(name) || COUNT_TAGS.includes(name)) {
    const value = text === "" ? Number.NaN : Number(text);
    if (!Number.isFinite(value)) return new Error("expected a number");
    if (COUNT_TAGS.includes(name) && !(Number.isInteger(value) && value >= 0)) return new Error("expected a non-negative integer");
    if (name === "multipleOf" && value <= 0) return new Error("expected a number greater than 0");
    return value;
  }
  if (STRING_TAGS.includes(name)) {
    if (text === "") return new Error("expected a value");
    if (name === "pattern") {
      try {
        new RegExp(text, "u");
      } catch (error) {
        return new Error((error as Error).message);
      }
    }
    return text;
  }
  if (name === "uniqueItems") {
    if (text === "" || text === "true") return true;
    if (text === "false") return false;
    return new Error("expected true or false");
  }
  if (name === "description") return text;
  if (name === "propertyNames") {
    // A schema for the keys of a Record or index signature, written as JSON: `@propertyNames {"pattern": "^[a-z]+$"}`.
    try {
      const value: unknown = JSON.parse(text);
      if (typeof value === "object" && value !== null && !Array.isArray(value)) return value;
    } catch {
      // reported below
    }
    return new Error("expected a JSON Schema object");
  }
  if (name === "default") {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return undefined;
}

/**
 * `schema` of a declaration (property or parameter) refined by its docs: first those of a type alias the
 * checker erased, at the top (`email: Email`) and at each array level (`emails: Email[]`), then its own.
 */
export function applyDeclarationDocs(
  schema: JsonSchema,
  declaration: ts.Node | undefined,
  docs: Docs,
  path: TypePath,
  context: SchemaContext,
): JsonSchema {
  const typeNode = declaration && (declaration as { type?: ts.Node }).type;
  const refined = typeNode ? withAliasDocs(schema, typeNode, path, context) : schema;
  return applyDocs(refined, docs, path, context);
}

function withAliasDocs(schema: JsonSchema, typeNode: ts.Node, path: TypePath, context: SchemaContext): JsonSchema {
  const aliasDocs = aliasDocsOf(typeNode, context.checker);
  const refined = aliasDocs ? applyDocs(schema, aliasDocs, path, context) : schema;
  const element = arrayElementNode(typeNode);
  if (!element || refined.type !== "array" || typeof refined.items !== "object" || refined.items === null) return refined;
  return { ...refined, items: withAliasDocs(refined.items as JsonSchema, element, path.item(), context) };
}

/** The element type node of `T[]`, `readonly T[]`, `Array<T>` and `ReadonlyArray<T>`. */
function arrayElementNode(typeNode: ts.Node): ts.Node | undefined {
  if (ts.isTypeOperatorNode(typeNode)) return arrayElementNode(typeNode.type);
  if (ts.isArrayTypeNode(typeNode)) return typeNode.elementType;
  if (ts.isTypeReferenceNode(typeNode) && ts.isIdentifier(typeNode.typeName) && ["Array", "ReadonlyArray"].includes(typeNode.typeName.text) && typeNode.typeArguments?.length === 1) {
    return typeNode.typeArguments[0];
  }
  return undefined;
}

/**
 * Docs of a type alias that the checker erases (`type Email = string` is just `string`), taken from the
 * annotation that names it, so `/** @format email *\/ type Email = string` still refines `email: Email`.
 */
function aliasDocsOf(typeNode: ts.Node, checker: ts.TypeChecker): Docs | undefined {
  if (!ts.isTypeReferenceNode(typeNode)) return undefined;
  const resolved = checker.getTypeFromTypeNode(typeNode);
  if (resolved.aliasSymbol) return undefined;
  let symbol = checker.getSymbolAtLocation(typeNode.typeName);
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  if (!symbol || !(symbol.flags & ts.SymbolFlags.TypeAlias)) return undefined;
  const alias = symbol.declarations?.find(ts.isTypeAliasDeclaration);
  if (alias?.typeParameters?.length) {
    // A generic alias (`type Pick<T> = T extends string ? T : number`) resolves to a different type per use:
    // its own tags would land on whatever it produced. When it produced one of its arguments unchanged,
    // that argument's alias docs are the ones that apply.
    const argument = typeNode.typeArguments?.find((node) => checker.getTypeFromTypeNode(node) === resolved);
    return argument ? aliasDocsOf(argument, checker) : undefined;
  }
  return symbolDocs(symbol, checker);
}
