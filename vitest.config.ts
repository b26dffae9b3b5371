import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";
import { tschainsTypeScript } from "./presets/vitest.js";

export default defineConfig({
  oxc: false,
  plugins: [tschainsTypeScript()],
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
