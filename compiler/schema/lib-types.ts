import { ts } from "ts-morph";

/**
 * Recognises the platform's own types (TypeScript's lib files and `@types/node`) by name, so a user's
 * `interface Date { ... }` in their own module is treated as the plain data type it is.
 */
export class LibTypes {
  constructor(private readonly program: ts.Program) {}

  /** The global name (`Date`, `Uint8Array`, `Map`, ...) when `type` is that platform type, else undefined. */
  globalName(type: ts.Type): string | undefined {
    const symbol = type.aliasSymbol ?? type.getSymbol();
    if (!symbol) return undefined;
    return symbol.declarations?.some((d) => this.isPlatformFile(d.getSourceFile())) ? symbol.getName() : undefined;
  }

  /** True when the type is declared outside the user's code (lib files or any package). */
  isExternal(symbol: ts.Symbol): boolean {
    const declarations = symbol.declarations ?? [];
    return declarations.length > 0 && declarations.every((d) => this.isPlatformFile(d.getSourceFile()) || d.getSourceFile().fileName.includes("/node_modules/"));
  }

  /** True for lib aliases (Partial, Record, ...). */
  isLibAlias(symbol: ts.Symbol): boolean {
    return symbol.declarations?.some((d) => this.program.isSourceFileDefaultLibrary(d.getSourceFile())) ?? false;
  }

  private isPlatformFile(file: ts.SourceFile): boolean {
    return this.program.isSourceFileDefaultLibrary(file) || file.fileName.includes("/node_modules/@types/node/");
  }
}
