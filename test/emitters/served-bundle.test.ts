import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUILTIN_THROUGH_REQUIRE_NAMESPACE } from "../../emitters/builtins-through-require.js";
import { buildFixture, type BuiltFixture } from "./build-fixture.js";
import { copyOutsideRepo, runRemote, serveContext, type ServedProcess } from "./served-context.js";

describe("served bundles of fixtures/hello", () => {
  const cleanup: string[] = [];
  const servers: ServedProcess[] = [];
  let built: BuiltFixture;

  beforeAll(async () => {
    built = await buildFixture("hello");
    cleanup.push(built.outDir);
  });

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
  });

  const contents = (path: string) => built.text(path);

  it("runs each context on its own, outside the repository, wired through CHAINS_DEPENDENCIES", async () => {
    const token = "test-token-123";
    const sayHelloDir = copyOutsideRepo(join(built.outDir, "hello-world", "chainlets", "say-hello"));
    const helloAllDir = copyOutsideRepo(join(built.outDir, "hello-world", "chainlets", "hello-all"));
    cleanup.push(sayHelloDir, helloAllDir);
    const sayHello = await serveContext(sayHelloDir, { CHAINS_AUTH_TOKEN: token });
    servers.push(sayHello);
    const helloAll = await serveContext(helloAllDir, {
      CHAINS_AUTH_TOKEN: token,
      CHAINS_DEPENDENCIES: JSON.stringify({ "say-hello": sayHello.url }),
    });
    servers.push(helloAll);

    expect(await runRemote(sayHello.url, { name: "Ada" }, token)).toEqual({ status: 200, json: "Hello, Ada." });
    expect(await runRemote(helloAll.url, { names: ["Ada", "Linus"] }, token)).toEqual({
      status: 200,
      json: "Hello, Ada!\nHello, Linus!",
    });
    const invalid = await runRemote(helloAll.url, { names: "Ada" }, token);
    expect(invalid.status).toBe(400);
    expect(JSON.stringify(invalid.json)).toContain("/names");
  });

  it("keeps a dependency's code out of its caller's bundle", () => {
    const caller = contents("chainlets/hello-all/server.mjs");
    const callee = contents("chainlets/say-hello/server.mjs");
    expect(callee).toContain("Hello, ${name}");
    expect(caller).not.toContain("Hello, ${name}");
    expect(caller).toMatch(/dependsOn\d*\("say-hello", \{ "retries": 2, "timeoutSec": 10,/i);
    expect(caller).toContain("parts.join");
  });

  it("imports the runtime from runtime.mjs next to it, which holds the server and no Chainlet's code", () => {
    for (const name of ["hello-all", "say-hello"]) {
      const server = contents(`chainlets/${name}/server.mjs`);
      expect(server).toMatch(/^import \{[^}]*\bstartChainletServer\b[^}]*\} from "\.\/runtime\.mjs";$/m);
      expect(server).not.toContain("function startChainletServer");
      expect(contents(`chainlets/${name}/runtime.mjs`)).toContain("function startChainletServer");
      expect(contents(`chainlets/${name}/runtime.mjs`)).toMatch(/\/\/# sourceMappingURL=runtime\.mjs\.map\n?$/);
    }
    expect(contents("chainlets/say-hello/runtime.mjs")).not.toContain("Hello, ${name}");
    const map = JSON.parse(contents("chainlets/say-hello/runtime.mjs.map")) as { sources: string[] };
    expect(map.sources).toContain("runtime-node/server/server.ts");
    expect(contents("chainlets/say-hello/Dockerfile")).toContain("COPY server.mjs server.mjs.map runtime.mjs runtime.mjs.map ./\nCOPY runtime/ ./runtime/\n");
    expect(contents("chainlets/say-hello/.dockerignore").split("\n")).toEqual(expect.arrayContaining(["!runtime.mjs", "!runtime.mjs.map", "!runtime", "!runtime/**"]));
  });

  it("puts the runtime's other modules in runtime/, each with its own map whose sources are the package's files", () => {
    const chunks = built.files.filter((file) => file.path.startsWith("chainlets/say-hello/runtime/"));
    const modules = chunks.filter((file) => file.path.endsWith(".mjs"));
    // undici, prom-client, msgpackr and the OpenTelemetry SDK at least, and what they share with runtime.mjs.
    expect(modules.length).toBeGreaterThanOrEqual(4);
    expect(chunks.map((file) => file.path).sort()).toEqual(modules.flatMap((file) => [file.path, `${file.path}.map`]).sort());
    expect(modules.map((file) => file.path)).toContain("chainlets/say-hello/runtime/opentelemetry-api.mjs");
    for (const module of modules) {
      const name = module.path.slice(module.path.lastIndexOf("/") + 1);
      // Chunks are named by a hash of their contents; the one other entry by what it is.
      expect(name).toMatch(/^([\w-]+-[A-Z0-9]{8}|opentelemetry-api)\.mjs$/);
      expect(contents(module.path)).toMatch(new RegExp(`//# sourceMappingURL=${name.replace(/\./g, "\\.")}\\.map\\n?$`));
      const { sources } = JSON.parse(contents(`${module.path}.map`)) as { sources: string[] };
      // Relative to the map's folder, as runtime.mjs.map's are to the context's: the tschains package's own
      // paths, and the one-line modules that load a built-in with `require`.
      for (const source of sources) {
        if (!source.startsWith(`${BUILTIN_THROUGH_REQUIRE_NAMESPACE}:`)) expect(source).toMatch(/^\.\.\/(node_modules|runtime-node)\//);
      }
    }
    // Every other context carries the same files.
    const elsewhere = built.files.filter((file) => file.path.startsWith("chainlets/hello-all/runtime/"));
    expect(elsewhere.map((file) => file.path.replace("hello-all", "say-hello"))).toEqual(chunks.map((file) => file.path));
  });

  it("maps the bundle back to the TypeScript sources without absolute paths", () => {
    const map = JSON.parse(contents("chainlets/hello-all/server.mjs.map")) as { sources: string[] };
    expect(map.sources.some((source) => source.endsWith("fixtures/hello/chain.ts"))).toBe(true);
    expect(contents("chainlets/hello-all/server.mjs")).toMatch(/\/\/# sourceMappingURL=server\.mjs\.map\n?$/);
    const leaking = built.files.filter((file) => [built.outDir, process.cwd()].some((path) => Buffer.from(file.contents).toString("utf8").includes(path)));
    expect(leaking.map((file) => file.path)).toEqual([]);
  });

  it("is deterministic: a second build, into another folder, is byte-identical file by file", async () => {
    const again = await buildFixture("hello");
    cleanup.push(again.outDir);
    expect(again.files.map((file) => file.path)).toEqual(built.files.map((file) => file.path));
    const changed = again.files.filter((file, index) => Buffer.compare(Buffer.from(file.contents), Buffer.from(built.files[index]!.contents)) !== 0);
    expect(changed.map((file) => file.path)).toEqual([]);
    expect(readFileSync(join(again.chainDir, "chainlets/say-hello/server.mjs"), "utf8")).toBe(contents("chainlets/say-hello/server.mjs"));
  });
});
