import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/** A script to run in another thread or process: a file, or (from TypeScript sources) its bundled text. */
export type SiblingScript = { path: string; code?: undefined } | { code: string; path?: undefined };

/**
 * The script `name` beside the module at `moduleUrl`: the compiled `<name>.js` when tschains runs from
 * lib/; from TypeScript sources (tests) `<name>.ts` bundled with everything it imports by esbuild, since
 * neither a worker thread nor a child process can run TypeScript.
 */
export async function siblingScript(moduleUrl: string, name: string, format: "cjs" | "esm"): Promise<SiblingScript> {
  const compiled = fileURLToPath(new URL(`./${name}.js`, moduleUrl));
  if (!moduleUrl.endsWith(".ts") && existsSync(compiled)) return { path: compiled };
  const output = await build({
    entryPoints: [fileURLToPath(new URL(`./${name}.ts`, moduleUrl))],
    bundle: true,
    write: false,
    platform: "node",
    format,
    target: "node20",
    logLevel: "silent",
  });
  return { code: output.outputFiles[0]!.text };
}
