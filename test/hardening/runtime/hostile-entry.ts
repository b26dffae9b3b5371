// Bundled by runtime-hostile.test.ts with esbuild (as `chains build` bundles a server.mjs) and run as a
// child process, so its peak memory is its own. Two Chainlets call the misbehaving dependency server at
// HOSTILE_URL (one path per misbehaviour) through StubBase, the same transport as calls between Chainlets.
import { ChainletBase, dependsContext, StubBase } from "../../../runtime-node/index.js";
import type { DeploymentContext } from "../../../runtime-node/authoring/remote-config.js";
import { startChainletServer } from "../../../runtime-node/server/server.js";
import type { ChainletMeta } from "../../../runtime-node/server/chainlet-meta.js";
import { compileValidators } from "../../runtime/compile-validators.js";

class Hostile extends StubBase {
  async runRemote(input: unknown): Promise<unknown> {
    return this.predict(input);
  }
  stream(input: unknown): AsyncIterable<unknown> {
    return this.predictStream(input);
  }
}

const base = process.env.HOSTILE_URL!;

/** One stub per misbehaviour, made on first use with the served transport (and so its limits). */
function stubs(context: DeploymentContext) {
  const made = new Map<string, Hostile>();
  return (mode: string, binary = false) => {
    if (!made.has(mode)) made.set(mode, Hostile.fromUrl(`${base}/${mode}`, context, { name: mode, retries: 0, binary }));
    return made.get(mode)!;
  };
}

class Proxy extends ChainletBase {
  private readonly context = dependsContext();
  private readonly stub = stubs(this.context);

  async runRemote(mode: string): Promise<number> {
    // The process's peak resident memory: what the hostile answers cost it at most.
    if (mode === "maxrss") return process.resourceUsage().maxRSS * 1024;
    if (mode === "leak-secret") {
      const secret = this.context.secrets.api_token!;
      const forms = [JSON.stringify({ secret }), encodeURIComponent(secret), Buffer.from(`user:${secret}`).toString("base64"), Buffer.from(secret).toString("base64url")];
      throw new Error(`upstream said: ${forms.join(" | ")}`);
    }
    await this.stub(mode).runRemote({ mode });
    return 0;
  }
}

class StreamProxy extends ChainletBase {
  private readonly stub = stubs(dependsContext());

  async *runRemote(mode: string): AsyncGenerator<string> {
    for await (const item of this.stub(mode, mode.startsWith("msgpack")).stream({ mode })) yield String(item);
  }
}

const S = "https://json-schema.org/draft/2020-12/schema";
const input = { $schema: S, type: "object", properties: { mode: { type: "string" } }, required: ["mode"], additionalProperties: false };

function meta(name: string, streaming: boolean): ChainletMeta {
  return {
    name,
    chain: "hostile",
    isEntrypoint: true,
    runRemote: { parameters: [{ name: "mode", optional: false }], streaming },
    injections: [],
    config: { compute: { concurrency: 16 }, assets: { secretKeys: streaming ? [] : ["api_token"] } },
    hasIsHealthy: false,
    dependencies: {},
  };
}

for (const [chainlet, streaming, output] of [
  [Proxy, false, { $schema: S, type: "number" }],
  [StreamProxy, true, { $schema: S, type: "string" }],
] as const) {
  await startChainletServer({ chainlet, meta: meta(streaming ? "stream-proxy" : "proxy", streaming), validators: compileValidators(input, output), env: process.env });
}
