/**
 * The runtime and Chainlet modules of every Chainlet's context (a leaf module: `chains serve` and the
 * dashboard's program import it without the emitters behind it).
 */

/** The Chainlet's own module in its context: what its image and `chains serve` run (`node server.mjs`). */
export const CHAINLET_SERVER_FILE = "server.mjs";
/** The runtime's entry module in every Chainlet context; each `server.mjs` imports it by this relative path. */
export const SERVED_RUNTIME_FILE = "runtime.mjs";
/**
 * The folder, next to {@link SERVED_RUNTIME_FILE}, of the runtime's other modules (esbuild's code-split
 * chunks, each with its map): the libraries a start does not need, which the runtime's `import()`s load
 * on first use, and the code they share with the entry.
 */
export const SERVED_RUNTIME_DIR = "runtime";
/**
 * What a Chainlet's `import ... from "@opentelemetry/api"` resolves to: an entry of the runtime's build
 * in {@link SERVED_RUNTIME_DIR}, sharing the API's chunk with the runtime's tracing (one API instance).
 */
export const SERVED_OPENTELEMETRY_API_FILE = `${SERVED_RUNTIME_DIR}/opentelemetry-api.mjs`;

/** The folder of the chain's output holding each Chainlet's Docker context, `chainlets/<name>/`. */
export const CHAINLETS_DIR = "chainlets";
/** The folder of the chain's output holding each Chainlet's typed client package, `clients/<name>/`. */
export const CLIENTS_DIR = "clients";
