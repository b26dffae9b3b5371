import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { get, post } from "../runtime/harness.js";
import { startOtlpReceiver, type OtlpReceiver } from "../traces/otlp-receiver.js";
import { buildFixture, type BuiltFixture } from "./build-fixture.js";
import { copyOutsideRepo, serveContext, type ServedProcess } from "./served-context.js";

/** The libraries a start must not read, by the path (in a source map's `sources`) their code comes from. */
const LAZY_LIBRARIES = {
  undici: /node_modules\/undici\//,
  promClient: /node_modules\/prom-client\//,
  msgpackr: /node_modules\/msgpackr\//,
  openTelemetryApi: /node_modules\/@opentelemetry\/api\//,
  openTelemetrySdk: /node_modules\/@opentelemetry\/(?!api\/)/,
} as const;
type Library = keyof typeof LAZY_LIBRARIES;

/**
 * A Node module-loading hook that only records: every module the process loads, as a `file:` URL
 * line in `log`. (Hooks run on a thread of their own; `initialize` gets the log's path.)
 */
const RECORDING_HOOKS = `import { appendFileSync } from "node:fs";
let log;
export function initialize(data) { log = data.log; }
export async function load(url, context, next) {
  if (url.startsWith("file:")) appendFileSync(log, url + "\\n");
  return next(url, context);
}
`;

/**
 * Node's built-in modules that a start must not load: Node 24's `node:http` ES module facade read its
 * lazy `WebSocket` export, which loads Node's own undici with tls, http2 and zlib; `node:crypto`'s read
 * `webcrypto`, `node:net`'s `BlockList`. (`process.moduleLoadList` is Node's own list, undocumented.)
 */
const BUILTINS_NOT_AT_START = ["NativeModule tls", "NativeModule http2", "NativeModule zlib", "NativeModule internal/deps/undici/undici", "NativeModule internal/crypto/webcrypto", "NativeModule internal/blocklist"];

/**
 * Preloaded with `--import`: records, when the process first answers 200 (its `/readyz`), the built-in
 * modules it has loaded. It loads its own built-ins with `require`, which loads no more than they are.
 */
const RECORD_BUILTINS = (log: string) => `import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
let recorded = false;
require("node:diagnostics_channel").subscribe("http.server.response.finish", ({ response }) => {
  if (recorded || response.statusCode !== 200) return;
  recorded = true;
  require("node:fs").writeFileSync(${JSON.stringify(log)}, process.moduleLoadList.join("\\n"));
});
`;

/** A served context whose process reports which of the context's modules it has loaded. */
interface Recorded extends ServedProcess {
  /** Node's built-in modules it had loaded when it first answered 200. */
  builtinsAtReady(): string[];
  /** The context's files loaded so far, relative to it (`runtime.mjs`, `runtime/pool-….mjs`). */
  loaded(): string[];
  /** The lazily loaded libraries whose code the process has loaded so far. */
  librariesLoaded(): Library[];
}

/** Which lazy libraries each module of the context's `runtime/` holds, from its source map. */
function librariesByModule(contextDir: string): Map<string, Library[]> {
  const byModule = new Map<string, Library[]>();
  for (const name of readdirSync(join(contextDir, "runtime")).filter((file) => file.endsWith(".mjs"))) {
    const { sources } = JSON.parse(readFileSync(join(contextDir, "runtime", `${name}.map`), "utf8")) as { sources: string[] };
    const held = (Object.keys(LAZY_LIBRARIES) as Library[]).filter((library) => sources.some((source) => LAZY_LIBRARIES[library].test(source)));
    byModule.set(`runtime/${name}`, held);
  }
  return byModule;
}

describe("the runtime's chunks: a Chainlet is ready without its lazily loaded libraries, and loads each on first need", () => {
  const cleanup: string[] = [];
  const servers: ServedProcess[] = [];
  let hello: BuiltFixture;
  let traced: BuiltFixture;
  let receiver: OtlpReceiver;
  const token = "chunks-test-token";

  beforeAll(async () => {
    [hello, traced, receiver] = await Promise.all([buildFixture("hello"), buildFixture("traced"), startOtlpReceiver()]);
    cleanup.push(hello.outDir, traced.outDir);
  });

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await receiver?.close();
    for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
  });

  /** Serves a copy of the built context (outside the repository) with the recording hooks. */
  async function serveRecorded(chainDir: string, chainlet: string, env: Record<string, string>): Promise<Recorded> {
    const contextDir = copyOutsideRepo(join(chainDir, "chainlets", chainlet));
    cleanup.push(contextDir);
    const log = join(contextDir, "loaded.log");
    writeFileSync(log, "");
    writeFileSync(join(contextDir, "hooks.mjs"), RECORDING_HOOKS);
    const builtinsLog = join(contextDir, "builtins.log");
    writeFileSync(
      join(contextDir, "record.mjs"),
      `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(join(contextDir, "hooks.mjs")).href)}, { data: { log: ${JSON.stringify(log)} } });\n` +
        RECORD_BUILTINS(builtinsLog),
    );
    const served = await serveContext(contextDir, { CHAINS_AUTH_TOKEN: token, ...env }, ["--import", pathToFileURL(join(contextDir, "record.mjs")).href]);
    servers.push(served);
    const prefix = pathToFileURL(contextDir).href + "/";
    const loaded = () => [...new Set(readFileSync(log, "utf8").split("\n").filter((url) => url.startsWith(prefix)).map((url) => url.slice(prefix.length)))].sort();
    const libraries = librariesByModule(contextDir);
    const librariesLoaded = () => [...new Set(loaded().flatMap((path) => libraries.get(path) ?? []))].sort();
    const builtinsAtReady = () => readFileSync(builtinsLog, "utf8").split("\n");
    return { ...served, loaded, librariesLoaded, builtinsAtReady };
  }

  const bearer = { authorization: `Bearer ${token}` };

  it("is ready, and answers, having loaded none of undici, prom-client, msgpackr or OpenTelemetry; each comes with its first use", async () => {
    const sayHello = await serveRecorded(hello.chainDir, "say-hello", {});
    const helloAll = await serveRecorded(hello.chainDir, "hello-all", { CHAINS_DEPENDENCIES: JSON.stringify({ "say-hello": sayHello.url }) });
    for (const served of [sayHello, helloAll]) {
      expect((await get(served.url, "/readyz")).status).toBe(200);
      // The hooks see the context's modules: the Chainlet's and the runtime's entry.
      expect(served.loaded()).toEqual(expect.arrayContaining(["runtime.mjs", "server.mjs"]));
    }
    expect(sayHello.librariesLoaded()).toEqual([]);
    // The runtime loads Node's built-ins with `require`, not through their ES module facades.
    expect(sayHello.builtinsAtReady()).toContain("NativeModule http");
    expect(sayHello.builtinsAtReady().filter((name) => BUILTINS_NOT_AT_START.includes(name))).toEqual([]);
    // A Chainlet with dependencies starts loading undici when it makes their pools, at start, so that its
    // first call rarely waits for it; nothing else.
    expect(helloAll.librariesLoaded().filter((library) => library !== "undici")).toEqual([]);
    expect(await post(sayHello.url, { name: "Ada" }, { headers: bearer })).toMatchObject({ status: 200, body: "Hello, Ada." });
    expect(sayHello.librariesLoaded()).toEqual([]);

    // A dependency call: undici, from the context's runtime/.
    expect(await post(helloAll.url, { names: ["Ada", "Linus"] }, { headers: bearer })).toMatchObject({ status: 200, body: "Hello, Ada!\nHello, Linus!" });
    expect(helloAll.librariesLoaded()).toEqual(["undici"]);
    // The callee answered JSON and has no dependency of its own: still nothing loaded.
    expect(sayHello.librariesLoaded()).toEqual([]);

    // A MessagePack body, answered in MessagePack: msgpackr.
    const packed = await post(sayHello.url, { name: "Grace", excited: true }, { msgpack: true, headers: { ...bearer, accept: "application/msgpack" } });
    expect(packed).toMatchObject({ status: 200, body: "Hello, Grace!" });
    expect(packed.headers["content-type"]).toBe("application/msgpack");
    expect(sayHello.librariesLoaded()).toEqual(["msgpackr"]);

    // A /metrics scrape: prom-client, counting what came before (its own call, hello-all's two and the MessagePack one).
    const metrics = await get(sayHello.url, "/metrics");
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/^chains_requests_total\{route="\/v1\/run_remote",status="200",chainlet="say-hello"[^}]*\} 4$/m);
    // (prom-client's process CPU counter requires the OpenTelemetry API, for exemplars.)
    expect(sayHello.librariesLoaded()).toEqual(["msgpackr", "openTelemetryApi", "promClient"]);
  });

  it("with tracing on, loads the OpenTelemetry SDK from runtime/, and the Chainlet's own spans share its API", async () => {
    const inventory = await serveRecorded(traced.chainDir, "inventory", { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: "20" });
    expect((await get(inventory.url, "/readyz")).status).toBe(200);
    expect(inventory.librariesLoaded()).toEqual(["openTelemetryApi", "openTelemetrySdk"]);
    // The first call for a key answers 503 (warming up), the second runs the Chainlet's own span.
    expect((await post(inventory.url, { key: "abc" }, { headers: bearer })).status).toBe(503);
    expect(await post(inventory.url, { key: "abc" }, { headers: bearer })).toMatchObject({ status: 200, body: { key: "abc", stock: 3 } });
    for (let i = 0; i < 500 && !receiver.spans.some((span) => span.name === "inventory.lookup"); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    const lookup = receiver.spans.find((span) => span.name === "inventory.lookup");
    expect(lookup, JSON.stringify(receiver.spans.map((span) => span.name))).toBeDefined();
    const server = receiver.spans.find((span) => span.service === "inventory" && span.spanId === lookup!.parentSpanId);
    expect(server?.name).toBe("inventory/runRemote");
    expect(inventory.loaded()).toContain("runtime/opentelemetry-api.mjs");
  });
});
