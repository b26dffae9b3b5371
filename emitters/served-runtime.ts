import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { build, type BuildOptions } from "esbuild";
import { hashText } from "./emit-cache.js";
import { SERVED_RUNTIME_FILE } from "./context-files.js";
import { runtimeLocation } from "./runtime-location.js";

/** Where `npm run build:lib` puts the prebuilt runtime, relative to the package root. */
export const PREBUILT_RUNTIME_DIR = join("lib", "served-runtime");

/** `runtime.mjs` and its linked map, as bytes, with the SHA-256 of each (they go into every context). */
export interface ServedRuntime {
  code: Uint8Array;
  map: Uint8Array;
  codeDigest: string;
  mapDigest: string;
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
  const prebuilt = join(location.packageDir, PREBUILT_RUNTIME_DIR, SERVED_RUNTIME_FILE);
  if (!location.servedRuntime.endsWith(".ts") && existsSync(prebuilt) && existsSync(`${prebuilt}.map`)) {
    return withDigests(readFileSync(prebuilt), readFileSync(`${prebuilt}.map`));
  }
  const source = join(location.packageDir, "runtime-node", "served-runtime.ts");
  return bundleServedRuntime(existsSync(source) ? source : location.servedRuntime, location.packageDir);
}

/**
 * Bundles the runtime entry `entry` (`runtime-node/served-runtime`) with everything it imports into one
 * ES module for Node 20 with a linked source map whose `sources` are relative to `packageDir`
 * (`runtime-node/server/server.ts`, `node_modules/undici/...`): no machine path, the same bytes wherever
 * the package is installed.
 */
export async function bundleServedRuntime(entry: string, packageDir: string): Promise<ServedRuntime> {
  const result = await build({
    absWorkingDir: packageDir,
    entryPoints: [entry],
    // Not written: the map's paths are relative to this file's folder, the package root.
    outfile: join(packageDir, SERVED_RUNTIME_FILE),
    write: false,
    ...SERVED_MODULE_OPTIONS,
  });
  const code = result.outputFiles.find((file) => file.path.endsWith(".mjs"));
  const map = result.outputFiles.find((file) => file.path.endsWith(".mjs.map"));
  if (!code || !map) throw new Error(`esbuild wrote no ${SERVED_RUNTIME_FILE} for ${entry}`);
  return withDigests(code.contents, map.contents);
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

function withDigests(code: Uint8Array, map: Uint8Array): ServedRuntime {
  return { code, map, codeDigest: hashText(code), mapDigest: hashText(map) };
}
