import ts from "typescript";

/**
 * TypeScript's errors for a consumer file, compiled as a strict NodeNext project would (plus `options`),
 * the way a user's `tsc --noEmit` checks code that uses tschains or its generated files.
 */
export function consumerDiagnostics(file: string, options: ts.CompilerOptions): readonly ts.Diagnostic[] {
  const program = ts.createProgram([file], {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    noEmit: true,
    ...options,
  });
  return ts.getPreEmitDiagnostics(program);
}
