import type { InterfaceDeclaration, TypeAliasDeclaration } from "ts-morph";
import type { JsonSchema } from "../chain-ir.js";
import type { Diagnostic } from "../diagnostics.js";
import { JSON_SCHEMA_DIALECT } from "./generate-schemas.js";
import { applyDocs, symbolDocs } from "./jsdoc-tags.js";
import { anyJsonParser } from "./parsers/any-json-parser.js";
import { SchemaContext } from "./schema-context.js";
import { TYPE_PARSERS } from "./type-parsers.js";
import { TypePath } from "./type-path.js";

/** A schema of a JSON file, built from the declared type of its contents. */
export interface TypeSchema {
  schema: JsonSchema;
  /** CH11xx problems of the type, as for a `runRemote` signature (a type that cannot be JSON). */
  diagnostics: Diagnostic[];
}

/**
 * The JSON Schema (2020-12) of a JSON file whose contents `declaration` describes (`chain.json` is a
 * `ChainIR`, a `remoteConfig` literal a `RemoteConfig`). The declared type is the root, its doc comment the
 * root's description, and every named type it uses one `$defs` entry, as for `runRemote` schemas. In a file
 * `unknown` means any JSON value: nothing has to be checked for it on a wire.
 */
export function generateTypeSchema(declaration: InterfaceDeclaration | TypeAliasDeclaration, header: JsonSchema = {}): TypeSchema {
  const program = declaration.getProject().getProgram().compilerObject;
  const context = new SchemaContext(program.getTypeChecker(), program, [anyJsonParser, ...TYPE_PARSERS], declaration);
  const type = declaration.getType().compilerType;
  const path = TypePath.root(declaration.getName());
  const symbol = type.aliasSymbol ?? type.getSymbol();
  const body = context.parse(type, path, { inline: true });
  const documented = symbol ? applyDocs(body, symbolDocs(symbol, context.checker), path, context) : body;
  const defs = context.defs.size > 0 ? { $defs: context.defs.sorted() } : {};
  return { schema: { $schema: JSON_SCHEMA_DIALECT, ...header, ...documented, ...defs }, diagnostics: context.diagnostics };
}
