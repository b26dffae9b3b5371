// Bundled by lazy-start.test.ts with esbuild (as `chains build` bundles a server.mjs) and run as a child process.
import { ChainletBase } from "../../runtime-node/authoring/authoring.js";
import { startChainletServer } from "../../runtime-node/server/server.js";
import { compileValidators } from "./compile-validators.js";

class Echo extends ChainletBase {
  runRemote(samples: Float32Array): Float32Array {
    return samples;
  }
}

// The test asks which Node built-in modules the process has loaded so far, on stdin (an IPC channel
// would itself load some), and reads the answer on stderr. (`process.moduleLoadList` is Node's own
// list, undocumented and untyped: "NativeModule tls", ...)
const loaded = () => (process as unknown as { moduleLoadList: string[] }).moduleLoadList;
const builtins = () => loaded().filter((name) => name.startsWith("NativeModule ")).map((name) => name.slice(13));
process.stdin.on("data", () => {
  process.stderr.write(`${JSON.stringify({ builtins: builtins() })}\n`);
});

const S = "https://json-schema.org/draft/2020-12/schema";
const samples = { type: "string", contentEncoding: "base64", "x-tschains-type": "Float32Array" };
const server = await startChainletServer({
  chainlet: Echo,
  meta: {
    name: "echo",
    chain: "lazy-start",
    isEntrypoint: true,
    runRemote: { parameters: [{ name: "samples", optional: false }], streaming: false },
    injections: [],
    config: { compute: { concurrency: 4 }, assets: { secretKeys: [] } },
    hasIsHealthy: false,
    dependencies: {},
  },
  validators: compileValidators({ $schema: S, type: "object", properties: { samples }, required: ["samples"], additionalProperties: false }, { $schema: S, ...samples }),
});

// Once started (the start-up line logged, in this same turn of the event loop, so before any batch of
// log lines can have been written): its URL and the built-ins loaded by then. With LAZY_START_EXIT=1
// it exits at once, as a process that fails right after its start would.
process.stderr.write(`${JSON.stringify({ started: { url: server.url, builtins: builtins(), at: Date.now() } })}\n`);
if (process.env.LAZY_START_EXIT === "1") process.exit(0);
