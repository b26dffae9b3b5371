import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { build, type BuildOptions } from "esbuild";
import { builtinsThroughRequire } from "./builtins-through-require.js";
import { hashText } from "./emit-cache.js";
import { SERVED_OPENTELEMETRY_API_FILE, SERVED_RUNTIME_DIR, SERVED_RUNTIME_FILE } from "./context-files.js";
import { runtimeLocation, servedRuntimeEntries, type ServedRuntimeEntries } from "./runtime-location.js";

/** Where `npm run build:lib` puts the prebuilt runtime, relative to the package root. */
export const PREBUILT_RUNTIME_DIR = join("lib", "served-runtime");

/** One file of the runtime: its POSIX path in a Chainlet context, its bytes and their SHA-256 (hex). */
export interface ServedRuntimeFile {
  path: string;
  contents: Uint8Array;
  digest: string;
}

/**
 * The runtime every Chainlet context carries: `runtime.mjs` (what each `server.mjs` imports),
 * `runtime/opentelemetry-api.mjs` (what the Chainlet's `@opentelemetry/api` imports resolve to) and
 * the chunks in `runtime/` that they load, each module with its linked map; in path order.
 */
export interface ServedRuntime {
  files: readonly ServedRuntimeFile[];
}

/**
 * The runtime bundle every Chainlet's `server.mjs` imports: the prebuilt one of this tschains copy
 * (`lib/served-runtime/`, written by `npm run build:lib`) when it runs compiled, else bundled once per
 * process from the runtime's sources. Both are the same bytes: {@link bundleServedRuntime} of the same
 * entry, with paths relative to the package root.
 */
export function servedRuntime(): Promise<ServedRuntime> {
  return (current ??= loadServedRuntime().catch((error: unknown) => {
    current = undefined;
    throw error;
  }));
}

let current: Promise<ServedRuntime> | undefined;

async function loadServedRuntime(): Promise<ServedRuntime> {
  const location = runtimeLocation();
  const prebuilt = join(location.packageDir, PREBUILT_RUNTIME_DIR);
  if (!location.served.runtime.endsWith(".ts") && existsSync(join(prebuilt, SERVED_RUNTIME_FILE)) && existsSync(join(prebuilt, SERVED_RUNTIME_DIR))) {
    return readPrebuiltRuntime(prebuilt);
  }
  const sources = servedRuntimeSources(location.packageDir);
  const entries = existsSync(sources.runtime) ? sources : location.served;
  return bundleServedRuntime(entries, location.packageDir);
}

/** The runtime's entries as TypeScript sources in the package at `packageDir` (what `npm run build:lib` bundles). */
export function servedRuntimeSources(packageDir: string): ServedRuntimeEntries {
  return servedRuntimeEntries(join(packageDir, "runtime-node"), ".ts");
}

/** The runtime's files as `npm run build:lib` wrote them under `dir`: each at its path in a context. */
function readPrebuiltRuntime(dir: string): ServedRuntime {
  const paths = [SERVED_RUNTIME_FILE, `${SERVED_RUNTIME_FILE}.map`, ...readdirSync(join(dir, SERVED_RUNTIME_DIR)).map((name) => `${SERVED_RUNTIME_DIR}/${name}`)];
  return inPathOrder(paths.map((path) => withDigest(path, readFileSync(join(dir, path)))));
}

/**
 * Bundles the runtime's entries (`runtime-node/served-runtime`, `runtime-node/served-opentelemetry-api`)
 * with everything they import into ES modules for Node 20, each with a linked source map:
 * `runtime.mjs`, `runtime/opentelemetry-api.mjs`, and esbuild's code-split chunks in `runtime/` (named
 * by a hash of their contents; code both entries use is in one chunk, so it is one module instance). Every library the runtime loads with `import()`
 * (undici, prom-client, msgpackr, the OpenTelemetry SDK) falls into chunks of its own, which a start
 * never reads; V8 parsing code start-up does not run was a quarter of a start. The maps' `sources`
 * are relative to each map's folder as if it lay in `packageDir` (`runtime-node/server/server.ts`,
 * `../node_modules/undici/...` from `runtime/`): no machine path, the same bytes wherever the package
 * is installed.
 */
export async function bundleServedRuntime(entries: ServedRuntimeEntries, packageDir: string): Promise<ServedRuntime> {
  const result = await build({
    absWorkingDir: packageDir,
    entryPoints: [
      { in: entries.runtime, out: withoutExtension(SERVED_RUNTIME_FILE) },
      { in: entries.openTelemetryApi, out: withoutExtension(SERVED_OPENTELEMETRY_API_FILE) },
    ],
    // Not written: the maps' paths are relative to this folder, the package root.
    outdir: packageDir,
    outExtension: { ".js": ".mjs" },
    splitting: true,
    chunkNames: `${SERVED_RUNTIME_DIR}/[name]-[hash]`,
    write: false,
    plugins: [builtinsThroughRequire],
    ...SERVED_MODULE_OPTIONS,
  });
  const files = result.outputFiles.map((file) => withDigest(relative(packageDir, file.path).split(sep).join("/"), file.contents));
  if (!files.some((file) => file.path === SERVED_RUNTIME_FILE)) throw new Error(`esbuild wrote no ${SERVED_RUNTIME_FILE} for ${entries.runtime}`);
  return inPathOrder(files);
}

/** What `runtime.mjs` and every `server.mjs` are: ES modules for Node 20 with a linked source map. */
export const SERVED_MODULE_OPTIONS = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: "linked",
  sourcesContent: true,
  legalComments: "none",
  // Non-ASCII escaped: one such character made V8 hold the whole megabyte-sized source as UTF-16,
  // twice the memory, and decode it on a slower path at every start.
  charset: "ascii",
  // The runtime reports Chainlets by class name; bundling must not rename them.
  keepNames: true,
  logLevel: "silent",
  // Bundled CommonJS dependencies call `require`, which an ES module does not have.
  banner: { js: 'import { createRequire as __tschainsCreateRequire } from "node:module";\nconst require = __tschainsCreateRequire(import.meta.url);' },
} as const satisfies BuildOptions;

function withoutExtension(path: string): string {
  return path.replace(/\.mjs$/, "");
}

function withDigest(path: string, contents: Uint8Array): ServedRuntimeFile {
  return { path, contents, digest: hashText(contents) };
}

function inPathOrder(files: ServedRuntimeFile[]): ServedRuntime {
  return { files: files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)) };
}
