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
 * dropped, since the user meant a constraint to be enforced.
 */
export function applyDocs(schema: JsonSchema, docs: Docs, path: TypePath, context: SchemaContext): JsonSchema {
  const refinements: JsonSchema = {};
  for (const { name, text } of docs.tags) {
    const value = tagValue(name, text);
    if (value === undefined) continue;
    if (value instanceof Error) {
      context.report(diagnosticMessage(SchemaCode.InvalidTag, "invalidTag", String(path), name, text, value.message));
      continue;
    }
    refinements[name] = value;
  }
  const description = (refinements.description as string | undefined) ?? docs.description;
  delete refinements.description;
  if (description === undefined && Object.keys(refinements).length === 0) return schema;
  return { ...(description !== undefined ? { description } : {}), ...schema, ...refinements };
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
 * Docs of a type alias that the checker erases (`type Email = string` is just `string`), taken from the
 * annotation that names it, so `/** @format email *\/ type Email = string` still refines `email: Email`.
 */
export function inlinedAliasDocs(declaration: ts.Node | undefined, checker: ts.TypeChecker): Docs | undefined {
  const typeNode = declaration && (declaration as { type?: ts.Node }).type;
  if (!typeNode || !ts.isTypeReferenceNode(typeNode)) return undefined;
  if (checker.getTypeFromTypeNode(typeNode).aliasSymbol) return undefined;
  let symbol = checker.getSymbolAtLocation(typeNode.typeName);
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  if (!symbol || !(symbol.flags & ts.SymbolFlags.TypeAlias)) return undefined;
  return symbolDocs(symbol, checker);
}
