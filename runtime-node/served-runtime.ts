/**
 * The entry of `runtime.mjs`, the runtime every built Chainlet context carries next to its `server.mjs`
 * (see `emitters/served-runtime.ts`). It is bundled once per tschains version, and each Chainlet's
 * bundle imports it as `./runtime.mjs`: the user's `import ... from "tschains"`, the generated entry's
 * `startChainletServer` and the rewritten `depends()` calls' `dependsOn` all reach this one module
 * instance, so they share the injector and `ChainletBase`.
 * @packageDocumentation
 */
export * from "./index.js";
export { dependsOn } from "./authoring/authoring.js";
export { startChainletServer } from "./server/server.js";
// The user's `import ... from "@opentelemetry/api"` resolves to this module too: one API instance, so
// the user's spans reach the tracer provider the server registers. (tsc rejects a name both export.)
export * from "@opentelemetry/api";
export { default } from "@opentelemetry/api";
