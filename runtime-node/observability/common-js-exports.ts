/**
 * The exports of a CommonJS library loaded with `import()`, however it was loaded. Node's ES module
 * loader gives its named exports and `default` (its `module.exports`); in the runtime's code-split
 * bundle (`runtime.mjs` and its chunks) such a library is a chunk exporting only `default`; a
 * single-file esbuild bundle gives the named exports, and for a transpiled ES module an undefined
 * `default`. `default` when it is the exports object, else the namespace itself.
 */
export function commonJsExports<T extends object>(namespace: T): T {
  const exports = (namespace as { default?: unknown }).default;
  return exports !== null && typeof exports === "object" ? (exports as T) : namespace;
}
