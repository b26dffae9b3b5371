// Compiles the product (API, compiler, emitters, runtime, CLI, benchmarks) to lib/ with tsc, in-process,
// so `npm ci` (through `prepare`) leaves a runnable CLI without a TypeScript runner.
import { rmSync, chmodSync, copyFileSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import ts from "typescript";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const configPath = join(root, "tsconfig.build.json");
const host = ts.sys;
const parsed = ts.getParsedCommandLineOfConfigFile(configPath, {}, {
  ...host,
  onUnRecoverableConfigFileDiagnostic: (d) => {
    throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  },
});
if (!parsed) process.exit(1);
rmSync(join(root, "lib"), { recursive: true, force: true });
const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
const emit = program.emit();
const diagnostics = [...ts.getPreEmitDiagnostics(program), ...emit.diagnostics];
if (diagnostics.length > 0) {
  process.stderr.write(ts.formatDiagnosticsWithColorAndContext(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => root,
    getNewLine: () => "\n",
  }));
  process.exit(1);
}
// Hand-written declaration files are inputs only to tsc; the compiled declarations reference them.
for (const file of parsed.fileNames.filter((f) => f.endsWith(".d.ts"))) {
  copyFileSync(file, join(root, "lib", file.slice(root.length + 1)));
}
const cli = join(root, "lib", "cli", "chains.js");
if (existsSync(cli)) chmodSync(cli, 0o755);
