import type { ClassDeclaration, SourceFile, Type } from "ts-morph";
import { isRuntimeFile } from "./load-project.js";

/**
 * Every concrete top-level class of `files` whose base-class chain reaches the runtime's `ChainletBase`,
 * resolved through the type checker, so bases imported from other files or re-exported count too.
 * Abstract classes are shared bases, not Chainlets.
 */
export function findChainlets(files: readonly SourceFile[]): ClassDeclaration[] {
  return files.flatMap((file) => file.getClasses().filter((cls) => !cls.isAbstract() && extendsChainletBase(cls)));
}

/** True when `cls` derives (directly or not) from the tschains `ChainletBase`. */
export function extendsChainletBase(cls: ClassDeclaration): boolean {
  if (!cls.getExtends()) return false;
  return cls.getType().getBaseTypes().some((base) => reachesChainletBase(base, 0));
}

function reachesChainletBase(type: Type, depth: number): boolean {
  if (depth > 50) return false;
  if (isChainletBase(type)) return true;
  return type.getBaseTypes().some((base) => reachesChainletBase(base, depth + 1));
}

function isChainletBase(type: Type): boolean {
  const symbol = type.getSymbol();
  if (symbol?.getName() !== "ChainletBase") return false;
  return symbol.getDeclarations().some((declaration) => isRuntimeFile(declaration.getSourceFile().getFilePath()));
}
