/**
 * The entry of `runtime/opentelemetry-api.mjs`, built with `runtime.mjs` (see `emitters/served-runtime.ts`):
 * what a Chainlet's own `import ... from "@opentelemetry/api"` resolves to. It shares the API's chunk
 * with the tracing that the server starts, so there is one API instance and the user's spans reach the
 * tracer provider the server registers; a Chainlet that never imports the API does not load it at start.
 * @packageDocumentation
 */
export * from "@opentelemetry/api";
export { default } from "@opentelemetry/api";
