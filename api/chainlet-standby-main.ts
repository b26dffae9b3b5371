/**
 * The entry of a standby process (see `chainlet-standby.ts`): Node booted ahead of need, with the
 * builtins a Chainlet server loads at start already loaded, waiting for the one message that makes it a
 * Chainlet. From then on it is what `node server.mjs` in the Chainlet's folder with its environment is.
 */
import { createRequire } from "node:module";
import { STANDBY_RUN, STANDBY_WAITING, type StandbyRun } from "./chainlet-standby-protocol.js";

// The public builtins a served Chainlet has loaded once it listens or right after (the runtime's,
// pino's with its first batch of lines, and the IPC channel's), read from `process.moduleLoadList`. One
// missing here is only loaded later. The libraries the runtime loads on first need (undici: tls, http2,
// zlib; prom-client: https; the OpenTelemetry exporters: zlib) are not preloaded: a Chainlet that never
// needs them would carry them. Loaded with `require`, as the runtime loads them: an `import` goes
// through the ES module facade, which on Node 24 makes `node:http` load Node's own undici, tls and zlib.
const PRELOADED = [
  "node:string_decoder", "node:module", "node:stream/promises", "node:stream", "node:crypto",
  "node:diagnostics_channel", "node:net", "node:http", "node:assert", "node:os", "node:dgram",
  "node:child_process", "node:worker_threads", "node:perf_hooks", "node:v8", "node:dns", "node:cluster",
];

const require = createRequire(import.meta.url);
for (const name of PRELOADED) require(name);

// Without its supervisor a standby has nothing to become.
const orphaned = () => process.exit(0);
process.once("disconnect", orphaned);
process.on("message", function become(message: StandbyRun) {
  if (message?.type !== STANDBY_RUN) return;
  process.off("message", become);
  process.off("disconnect", orphaned);
  process.chdir(message.cwd);
  for (const name of Object.keys(process.env)) if (!Object.hasOwn(message.env, name)) delete process.env[name];
  Object.assign(process.env, message.env);
  // A bundle that throws while loading fails this process as it fails `node server.mjs`: an unhandled rejection.
  void import(message.entry);
});
process.send!({ type: STANDBY_WAITING });
