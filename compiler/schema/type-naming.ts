import { ts } from "ts-morph";
import type { SchemaContext } from "./schema-context.js";

/** Lib aliases worth a `$defs` entry of their own (`Partial_User`); other lib aliases (Record, ...) are inlined. */
const NAMED_LIB_ALIASES = new Set(["Partial", "Required", "Readonly", "Pick", "Omit"]);

/**
 * The `$defs` name of a named type — interface, class, enum, type alias — or undefined for anonymous types,
 * which are inlined. Generic instantiations read like the type: `Page<User>` → `Page_User`,
 * `Pick<User, "id" | "name">` → `Pick_User_id_or_name`.
 */
export function definitionName(type: ts.Type, context: SchemaContext): string | undefined {
  const alias = type.aliasSymbol;
  if (alias) {
    if (context.lib.isLibAlias(alias) && !NAMED_LIB_ALIASES.has(alias.getName())) return undefined;
    return withArguments(alias.getName(), type.aliasTypeArguments ?? [], context);
  }
  const symbol = type.getSymbol();
  if (!symbol) return undefined;
  if (type.flags & ts.TypeFlags.Union && symbol.flags & ts.SymbolFlags.Enum) return symbol.getName();
  if (!(type.flags & ts.TypeFlags.Object)) return undefined;
  const objectFlags = (type as ts.ObjectType).objectFlags;
  if (objectFlags & ts.ObjectFlags.ClassOrInterface) return symbol.getName();
  if (objectFlags & ts.ObjectFlags.Reference) {
    const reference = type as ts.TypeReference;
    const target = reference.target as ts.InterfaceType;
    if (!(target.objectFlags & ts.ObjectFlags.ClassOrInterface)) return undefined;
    const count = target.typeParameters?.length ?? 0;
    return withArguments(symbol.getName(), context.checker.getTypeArguments(reference).slice(0, count), context);
  }
  return undefined;
}

function withArguments(name: string, args: readonly ts.Type[], context: SchemaContext): string {
  return sanitize([name, ...args.map((a) => argumentName(a, context))].join("_"));
}

function argumentName(type: ts.Type, context: SchemaContext): string {
  const named = definitionName(type, context);
  if (named) return named;
  const intrinsic = (type as { intrinsicName?: string }).intrinsicName;
  if (intrinsic) return intrinsic;
  if (type.isLiteral()) return String(type.value);
  if (type.isUnion()) return type.types.map((t) => argumentName(t, context)).join("_or_");
  if (context.checker.isArrayType(type)) {
    const [item] = context.checker.getTypeArguments(type as ts.TypeReference);
    return `${item ? argumentName(item, context) : "unknown"}Array`;
  }
  return sanitize(context.typeText(type)) || "Anonymous";
}

/** Keeps names valid in a JSON Pointer without escaping and readable in generated code. */
function sanitize(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]+/g, "_").replace(/^_+|_+$/g, "");
}
