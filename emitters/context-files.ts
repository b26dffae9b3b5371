/**
 * The two modules of every Chainlet's context (a leaf module: `chains serve` and the dashboard's program
 * import it without the emitters behind it).
 */

/** The Chainlet's own module in its context: what its image and `chains serve` run (`node server.mjs`). */
export const CHAINLET_SERVER_FILE = "server.mjs";
/** The runtime's file in every Chainlet context; each `server.mjs` imports it by this relative path. */
export const SERVED_RUNTIME_FILE = "runtime.mjs";
