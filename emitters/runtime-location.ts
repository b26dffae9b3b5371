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
  /** The entry of the runtime bundle each Chainlet context carries (see `served-runtime.ts`). */
  servedRuntime: string;
  /** The entry of the runtime bundle's `@opentelemetry/api` module (see `served-runtime.ts`). */
  servedOpenTelemetryApi: string;
  /** The generated typed client's core (`defineClient`), which each client package bundles. */
  client: string;
  /** A folder from which the runtime's own npm dependencies (ajv, undici, ...) resolve. */
  packageDir: string;
  /** The folder of the emitters' handlebars templates. */
  templatesDir: string;
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
    servedRuntime: join(runtimeDir, `served-runtime${ext}`),
    servedOpenTelemetryApi: join(runtimeDir, `served-opentelemetry-api${ext}`),
    client: join(runtimeDir, "client", `index${ext}`),
    packageDir,
    templatesDir: firstExisting([join(packageDir, "emitters", "templates"), join(dirname(here), "templates")]),
  };
}

function firstExisting(candidates: string[]): string {
  return candidates.find((path) => existsSync(path)) ?? candidates[0]!;
}
