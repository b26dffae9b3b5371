// Compiles the product (API, compiler, emitters, runtime, CLI, benchmarks) to lib/ with tsc, in-process,
// so `npm ci` (through `prepare`) leaves a runnable CLI without a TypeScript runner.
import { rmSync, chmodSync, copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import ts from "typescript";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Type-checks one tsconfig's program and emits the files under `emitUnder` (all when undefined). */
function compile(configFile, emitUnder) {
  const parsed = ts.getParsedCommandLineOfConfigFile(join(root, configFile), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    },
  });
  if (!parsed) process.exit(1);
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  const emitted = emitUnder === undefined
    ? [program.emit()]
    : program.getSourceFiles().filter((f) => f.fileName.startsWith(join(root, emitUnder) + "/")).map((f) => program.emit(f));
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...emitted.flatMap((e) => e.diagnostics)];
  if (diagnostics.length > 0) {
    process.stderr.write(ts.formatDiagnosticsWithColorAndContext(diagnostics, {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => root,
      getNewLine: () => "\n",
    }));
    process.exit(1);
  }
  return parsed;
}

rmSync(join(root, "lib"), { recursive: true, force: true });
const parsed = compile("tsconfig.build.json");
// The dashboard page is its own program: its DOM types must not leak into the server-side code's globals.
compile("cli/dashboard/page/tsconfig.json", "cli/dashboard/page");
// Hand-written declaration files are inputs only to tsc; the compiled declarations reference them.
for (const file of parsed.fileNames.filter((f) => f.endsWith(".d.ts"))) {
  copyFileSync(file, join(root, "lib", file.slice(root.length + 1)));
}
const cli = join(root, "lib", "cli", "chains.js");
if (existsSync(cli)) chmodSync(cli, 0o755);
// The runtime every Chainlet context carries (runtime.mjs and its chunks in runtime/), bundled once per
// tschains version instead of once per Chainlet per build; `chains build` copies it from here.
const { bundleServedRuntime, servedRuntimeSources, PREBUILT_RUNTIME_DIR } = await import("../lib/emitters/served-runtime.js");
const runtime = await bundleServedRuntime(servedRuntimeSources(root), root);
for (const file of runtime.files) {
  const target = join(root, PREBUILT_RUNTIME_DIR, file.path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, file.contents);
}
