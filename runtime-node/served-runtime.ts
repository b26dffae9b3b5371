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
