import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { benchDir, benchTmpDir } from "./paths.js";

/**
 * The runnable file of a bench module meant to run as its own process (`baselines/serve-baseline`).
 * Compiled to lib/ it is the sibling `.js`; when the benchmarks run from TypeScript sources (the
 * smoke test under vitest) it is bundled once with esbuild into bench/.tmp/, packages left external.
 */
export async function childScript(module: string): Promise<string> {
  const compiled = compiledScript(module);
  if (compiled) return compiled;
  const outfile = join(benchTmpDir, "scripts", `${module.replace(/\//g, "-")}.mjs`);
  mkdirSync(join(benchTmpDir, "scripts"), { recursive: true });
  await build({
    entryPoints: [join(benchDir, `${module}.ts`)],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    logLevel: "silent",
  });
  return outfile;
}

/** The compiled sibling `.js` of a bench module when the benchmarks run from lib/; undefined from TypeScript sources. */
export function compiledScript(module: string): string | undefined {
  const compiled = fileURLToPath(new URL(`./${module}.js`, import.meta.url));
  return !import.meta.url.endsWith(".ts") && existsSync(compiled) ? compiled : undefined;
}
