import type { ClassDeclaration } from "ts-morph";
import type { ChainletSourceIR } from "./chain-ir.js";

/** Where the class sits in its file and how it is exported, for emitters that cut or rewrite it. */
export function analyzeSource(cls: ClassDeclaration): Pick<ChainletSourceIR, "classStart" | "classEnd" | "exported"> {
  // getStart() is the first token, which for a decorated class is its first decorator (TS 5+ keeps
  // decorators among the modifiers), and leaves the leading JSDoc out.
  const exported = cls.isDefaultExport() ? "default" : cls.isExported() ? "named" : "none";
  return { classStart: cls.getStart(), classEnd: cls.getEnd(), exported };
}
