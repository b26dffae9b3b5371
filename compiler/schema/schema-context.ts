import { ts, type Node } from "ts-morph";
import type { JsonSchema } from "../chain-ir.js";
import { diagnosticMessage, type DiagnosticMessage } from "../diagnostic-messages.js";
import type { Diagnostic } from "../diagnostics.js";
import { nodeDiagnostic } from "../node-diagnostic.js";
import { DefsRegistry } from "./defs-registry.js";
import { LibTypes } from "./lib-types.js";
import type { SchemaCode } from "./schema-codes.js";
import type { TypePath } from "./type-path.js";

export interface ParseOptions {
  /** Build the type's structure even when it is a named type (used to build a `$defs` body). */
  inline?: boolean;
}

/** One visitor per kind of TypeScript type; the first whose `supports` answers true builds the schema. */
export interface TypeParser {
  supports(type: ts.Type, context: SchemaContext, options: ParseOptions): boolean;
  parse(type: ts.Type, path: TypePath, context: SchemaContext): JsonSchema;
}

/**
 * State of building one schema file: the checker, the `$defs` being filled, the diagnostics found, and the
 * node diagnostics point at (the `runRemote` parameter or return type being converted).
 */
export class SchemaContext {
  readonly defs = new DefsRegistry();
  readonly lib: LibTypes;
  readonly diagnostics: Diagnostic[] = [];
  private readonly reported = new Set<string>();
  /** The parameter or return type annotation whose type is being converted. */
  location: Node;

  constructor(
    readonly checker: ts.TypeChecker,
    program: ts.Program,
    private readonly parsers: readonly TypeParser[],
    location: Node,
  ) {
    this.lib = new LibTypes(program);
    this.location = location;
  }

  parse(type: ts.Type, path: TypePath, options: ParseOptions = {}): JsonSchema {
    const parser = this.parsers.find((p) => p.supports(type, this, options));
    if (!parser) throw new Error(`no schema parser accepts type ${this.typeText(type)}`);
    return parser.parse(type, path, this);
  }

  /**
   * Records that `type` at `path` cannot be sent and returns an empty schema in its place, so conversion
   * goes on and every problem of the run is reported, not only the first.
   */
  reject(code: Exclude<SchemaCode, typeof SchemaCode.InvalidTag>, path: TypePath, reason: string, type: ts.Type): JsonSchema {
    this.report(diagnosticMessage(code, "rejected", String(path), reason, this.typeText(type)));
    return {};
  }

  /** Records `message` at the node being converted, once per distinct message. */
  report(message: DiagnosticMessage): void {
    const key = `${message.code}\0${message.message}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.diagnostics.push(nodeDiagnostic(this.location, message));
  }

  typeText(type: ts.Type): string {
    return this.checker.typeToString(
      type,
      this.location.compilerNode,
      ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope,
    );
  }
}
