import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Files of this package's runtime that a bundle imports. Bundles must use the very copy the server
 * uses (one injector frame stack, one `ChainletBase`), so these are resolved next to this module:
 * `.ts` sources when tschains runs from its repository, compiled `lib/` files when it is installed.
 */
export interface RuntimeLocation {
  /** The package's public entry, what user code gets for `import ... from "tschains"`. */
  index: string;
  /** The entries of the runtime bundle each Chainlet context carries (see `served-runtime.ts`), beside this module. */
  served: ServedRuntimeEntries;
  /** The generated typed client's core (`defineClient`), which each client package bundles. */
  client: string;
  /** A folder from which the runtime's own npm dependencies (ajv, undici, ...) resolve. */
  packageDir: string;
  /** The folder of the emitters' handlebars templates. */
  templatesDir: string;
}

/** The entry modules of the runtime's build (see `runtime-node/served-runtime.ts`). */
export interface ServedRuntimeEntries {
  runtime: string;
  openTelemetryApi: string;
}

/** The runtime's entries in `runtimeDir` (a `runtime-node` folder), as `.ts` sources or compiled `.js`. */
export function servedRuntimeEntries(runtimeDir: string, ext: ".ts" | ".js"): ServedRuntimeEntries {
  return { runtime: join(runtimeDir, `served-runtime${ext}`), openTelemetryApi: join(runtimeDir, `served-opentelemetry-api${ext}`) };
}

/** Locates the runtime belonging to the tschains copy this module is part of. */
export function runtimeLocation(): RuntimeLocation {
  const here = fileURLToPath(import.meta.url);
  const fromSource = here.endsWith(".ts");
  const ext = fromSource ? ".ts" : ".js";
  // From source: <pkg>/emitters/x.ts; compiled: <pkg>/lib/emitters/x.js.
  const codeRoot = join(dirname(here), "..");
  const packageDir = fromSource ? codeRoot : join(codeRoot, "..");
  const runtimeDir = join(codeRoot, "runtime-node");
  return {
    index: join(runtimeDir, `index${ext}`),
    served: servedRuntimeEntries(runtimeDir, ext),
    client: join(runtimeDir, "client", `index${ext}`),
    packageDir,
    templatesDir: firstExisting([join(packageDir, "emitters", "templates"), join(dirname(here), "templates")]),
  };
}

function firstExisting(candidates: string[]): string {
  return candidates.find((path) => existsSync(path)) ?? candidates[0]!;
}
