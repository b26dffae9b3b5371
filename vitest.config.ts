import { defineConfig, type Plugin } from "vitest/config";
import { fileURLToPath } from "node:url";
import { transform } from "esbuild";

/**
 * Node 20 has no native decorators and Vite's own transform keeps TC39 decorators as they are, so
 * TypeScript goes through esbuild here, the same transform `chains build` bundles with.
 */
function esbuildTypeScript(): Plugin {
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

export default defineConfig({
  oxc: false,
  plugins: [esbuildTypeScript()],
  resolve: {
    alias: { tschains: fileURLToPath(new URL("./runtime-node/index.ts", import.meta.url)) },
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
