// Bundled by drain.test.ts with esbuild (as `chains build` bundles a server.mjs) and run as a child process.
import { ChainletBase } from "../../runtime-node/authoring/authoring.js";
import { startChainletServer } from "../../runtime-node/server/server.js";
import { compileValidators } from "./compile-validators.js";

class Slow extends ChainletBase {
  async runRemote(ms: number): Promise<number> {
    if (ms < 0) throw new RangeError("negative sleep");
    await new Promise((resolve) => setTimeout(resolve, ms));
    return ms;
  }
}

const S = "https://json-schema.org/draft/2020-12/schema";
await startChainletServer({
  chainlet: Slow,
  meta: {
    name: "slow",
    chain: "drain",
    isEntrypoint: true,
    runRemote: { parameters: [{ name: "ms", optional: false }], streaming: false },
    injections: [],
    config: { compute: { concurrency: 64 }, assets: { secretKeys: [] } },
    hasIsHealthy: false,
    dependencies: {},
  },
  validators: compileValidators(
    { $schema: S, type: "object", properties: { ms: { type: "number" } }, required: ["ms"], additionalProperties: false },
    { $schema: S, type: "number" },
  ),
});
