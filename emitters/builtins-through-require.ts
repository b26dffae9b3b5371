import { builtinModules } from "node:module";
import type { Plugin } from "esbuild";

const BUILTINS = new Set(builtinModules);
/** The esbuild namespace of the one-line modules that `require` a built-in: how they are named in the runtime's source maps (`builtin-through-require:node:http`). */
export const BUILTIN_THROUGH_REQUIRE_NAMESPACE = "builtin-through-require";

/**
 * An esbuild plugin that turns the `import` statements of Node built-in modules into `require` calls
 * (through the bundle's `createRequire` banner). An ES module importing a built-in gets it through an
 * ES module facade, which reads every export once: on Node 24 that runs `node:http`'s lazy getters
 * (its `WebSocket` and friends), which load Node's own undici with tls and zlib at every start, and on
 * both Nodes `node:fs`'s facade loads `fs/promises` with its streams. `require` returns the same
 * module object without reading its properties.
 */
export const builtinsThroughRequire: Plugin = {
  name: BUILTIN_THROUGH_REQUIRE_NAMESPACE,
  setup(build) {
    build.onResolve({ filter: /^[a-z_:/0-9]+$/ }, (args) =>
      args.kind === "import-statement" && (BUILTINS.has(args.path) || args.path.startsWith("node:")) ? { path: args.path, namespace: BUILTIN_THROUGH_REQUIRE_NAMESPACE } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: BUILTIN_THROUGH_REQUIRE_NAMESPACE }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: "js" }));
  },
};
