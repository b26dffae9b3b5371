/**
 * `tschains/vitest`: a vitest configuration that runs chains written with TC39 decorators. A project's
 * whole `vitest.config.ts` can be `export { default } from "tschains/vitest";`; to combine it with
 * your own settings, add `tschainsTypeScript()` to your config's `plugins` and set `oxc: false`.
 * @packageDocumentation
 */
import { transform } from "esbuild";
import type { ChainSchemas } from "../runtime-node/authoring/edge-check.js";

/** The part of a Vite plugin this preset uses (typed here so tschains needs no Vite dependency). */
export interface TypeScriptPlugin {
  name: string;
  enforce: "pre";
  transform(code: string, id: string): Promise<{ code: string; map: string } | null>;
}

/**
 * Compiles `.ts`/`.mts`/`.cts` files with esbuild, the transform `chains build` bundles with. Node 20 has
 * no native decorators and Vite's own TypeScript transform leaves TC39 decorators as they are, so
 * without this a chain's `@entrypoint` is a syntax error under vitest.
 */
export function tschainsTypeScript(): TypeScriptPlugin {
  return {
    name: "tschains:esbuild-ts",
    enforce: "pre",
    async transform(code, id) {
      if (!/\.[cm]?ts$/.test(id) || id.includes("/node_modules/")) return null;
      const out = await transform(code, { loader: "ts", format: "esm", target: "node20", sourcemap: true, sourcefile: id });
      return { code: out.code, map: out.map };
    },
  };
}

/**
 * The validators `chains build` compiles for each Chainlet of a chain, for `runLocal(Entry, { schemas })`:
 * every value crossing an edge is then checked against the schemas the build emits. Give the chain's
 * entry file (compiled once per path and test worker) or a build folder / `chain.json`. The compiler is
 * loaded only when this is called, so the config itself stays light.
 */
export async function chainValidators(entryOrBuild: string, entrypoint?: string): Promise<ChainSchemas> {
  const loader = await import("../api/chain-validators.js");
  return loader.chainValidators(entryOrBuild, entrypoint);
}

/** The whole preset: TypeScript through esbuild instead of Vite's own transform (`oxc: false`). */
const config = {
  oxc: false as const,
  plugins: [tschainsTypeScript()],
};

export default config;
