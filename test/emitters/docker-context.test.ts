import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import * as nodeModule from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { validate } from "dockerfile-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChainIR } from "../../compiler/chain-ir.js";
import { emitChain } from "../../emitters/emit-chain.js";
import { buildFixture, repoRoot, type BuiltFixture } from "./build-fixture.js";
import { copyOutsideRepo, serveContext } from "./served-context.js";
import { COMPILE_CACHE_DIR } from "../../emitters/deploy/container-contract.js";
import { NODE_ENV_VARIABLES } from "../../runtime-node/protocol/env.js";
import { emitDockerfiles } from "../../emitters/emit-dockerfile.js";
import { defaultImageTag } from "../../emitters/deploy/image-tag.js";
import { helloIR } from "../deploy/fixture-irs.js";

const lint = (dockerfile: string) => validate(dockerfile).map((d) => `${d.range.start.line + 1}: ${d.message}`);

describe("Docker build contexts", () => {
  let hello: BuiltFixture;
  let checkout: BuiltFixture;

  beforeAll(async () => {
    hello = await buildFixture("hello");
    checkout = await buildFixture("checkout");
  });
  afterAll(() => {
    for (const built of [hello, checkout]) rmSync(built.outDir, { recursive: true, force: true });
  });

  it("emits a Dockerfile that lints clean and runs the bundle as a non-root user", () => {
    const dockerfile = hello.text("chainlets/say-hello/Dockerfile");
    expect(lint(dockerfile)).toEqual([]);
    expect(dockerfile).toMatch(/^FROM node:24-slim$/m);
    expect(dockerfile).toMatch(/^USER (?!root\b|0\b)\S+$/m);
    expect(dockerfile).toMatch(/^EXPOSE 8080$/m);
    expect(dockerfile).toMatch(/HOST=0\.0\.0\.0/);
    expect(dockerfile).toMatch(/^CMD \["node", "server\.mjs"\]$/m);
    const healthcheck = dockerfile.slice(dockerfile.indexOf("HEALTHCHECK"));
    expect(healthcheck).toContain("/healthz");
    expect(healthcheck).not.toMatch(/curl|wget/);
    expect(dockerfile).toContain('org.opencontainers.image.title="say-hello"');
    expect(dockerfile).toContain('dev.tschains.chain="hello-world"');
    // Nothing to install: no npm step, no lockfile.
    expect(dockerfile).not.toMatch(/npm (ci|install)/);
    expect(dockerfile).not.toMatch(/^# syntax=/m);
    expect(hello.files.some((file) => file.path === "chainlets/say-hello/package-lock.json")).toBe(false);
    expect(JSON.parse(hello.text("chainlets/say-hello/package.json"))).toEqual({
      name: "hello-world-say-hello",
      version: "0.0.0",
      private: true,
      type: "module",
      dependencies: {},
    });
    expect(hello.text("chainlets/say-hello/.dockerignore").split("\n")).toEqual(expect.arrayContaining(["*", "!server.mjs", "!server.mjs.map", "!runtime", "!runtime/**"]));
    // The runtime's chunks (runtime/) go into the image with runtime.mjs.
    expect(dockerfile).toMatch(/^COPY runtime\/ \.\/runtime\/$/m);
  });

  it("fills Node's module compile cache with the runtime when the image is built, as the user it runs as, without running the Chainlet", () => {
    const dockerfile = hello.text("chainlets/say-hello/Dockerfile");
    const lines = dockerfile.split("\n");
    const at = (pattern: RegExp) => lines.findIndex((line) => pattern.test(line));
    const user = at(/^USER 1000:1000$/);
    const cacheEnv = at(new RegExp(`^ENV ${NODE_ENV_VARIABLES.compileCache}=${COMPILE_CACHE_DIR}$`));
    const fill = at(/^RUN \["node", "--input-type=module", "-e", "await import\('\.\/runtime\.mjs'\)"\]$/);
    // The folder is made for that user; the cache is per uid, and Node only writes it from then on.
    expect(lines[user - 2]).toBe(`RUN ["node", "-e", "require('node:fs').mkdirSync('${COMPILE_CACHE_DIR}'); require('node:fs').chownSync('${COMPILE_CACHE_DIR}', 1000, 1000)"]`);
    expect([user, cacheEnv, fill].every((index) => index > at(/^COPY runtime\//))).toBe(true);
    expect(user).toBeLessThan(cacheEnv);
    expect(cacheEnv).toBeLessThan(fill);
    expect(dockerfile).not.toMatch(/import\('\.\/server\.mjs'\)/);
  });

  // Node 20 has no module compile cache (it ignores NODE_COMPILE_CACHE, and the step only loads the runtime).
  it.skipIf(typeof (nodeModule as { enableCompileCache?: unknown }).enableCompileCache !== "function")(
    "its fill step leaves V8's code for the runtime, which the Chainlet's start then reads instead of compiling",
    async () => {
      const contextDir = copyOutsideRepo(join(hello.chainDir, "chainlets", "say-hello"));
      const cacheDir = join(contextDir, "compile-cache");
      try {
        const fill = /^RUN (\[.*\])$/m.exec(hello.text("chainlets/say-hello/Dockerfile").split(`\nENV ${NODE_ENV_VARIABLES.compileCache}=`)[1]!)![1]!;
        const [command, ...args] = JSON.parse(fill) as string[];
        expect(command).toBe("node");
        const env = { PATH: process.env.PATH ?? "", [NODE_ENV_VARIABLES.compileCache]: cacheDir };
        execFileSync(process.execPath, args, { cwd: contextDir, env });
        const served = await serveContext(contextDir, { ...env, NODE_DEBUG_NATIVE: "COMPILE_CACHE" });
        await served.stop();
        const runtimeUrl = pathToFileURL(join(contextDir, "runtime.mjs")).href;
        expect(served.output).toContainEqual(expect.stringMatching(new RegExp(`V8 code cache for ESM ${runtimeUrl.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} was accepted`)));
      } finally {
        rmSync(contextDir, { recursive: true, force: true });
      }
    },
  );

  it("keeps a base image pinned by digest exactly as written", () => {
    const ir = helloIR();
    const pinned = `node:24-slim@sha256:${"ab12".repeat(16)}`;
    ir.chainlets[0]!.config.dockerImage.baseImage = pinned;
    const { dockerfile } = emitDockerfiles(ir, ir.chainlets[0]!, { hasNpmRequirements: false, hasLockfile: false, hasDataDir: false });
    expect(dockerfile).toContain(`\nFROM ${pinned}\n`);
    expect(lint(dockerfile)).toEqual([]);
  });

  it("tags each image by its build id by default, never latest; an IR that was not emitted by a hash of its IR", () => {
    const compose = String(hello.files.find((file) => file.path === "docker-compose.yml")!.contents);
    for (const { name, buildId } of hello.ir.chainlets) expect(compose).toContain(`image: hello-world-${name}:${buildId}\n`);
    const chainlet = helloIR().chainlets[0]!;
    expect(chainlet.buildId).toBeUndefined();
    const tag = defaultImageTag(chainlet);
    expect(tag).toMatch(/^[0-9a-f]{16}$/);
    expect(defaultImageTag(structuredClone(chainlet))).toBe(tag);
    expect(defaultImageTag({ ...chainlet, name: `${chainlet.name}-2` })).not.toBe(tag);
  });

  it("copies a Chainlet's dataDir into its context and points CHAINS_DATA_DIR at it", () => {
    const dockerfile = checkout.text("chainlets/tax-rates/Dockerfile");
    expect(lint(dockerfile)).toEqual([]);
    expect(dockerfile).toMatch(/^COPY data\/ \.\/data\/$/m);
    expect(dockerfile).toContain("CHAINS_DATA_DIR=/app/data");
    expect(checkout.text("chainlets/tax-rates/data/tax-rates.json")).toBe(readFileSync(join(repoRoot, "fixtures/checkout/data/tax-rates.json"), "utf8"));
    expect(checkout.text("chainlets/tax-rates/.dockerignore")).toContain("!data");
    expect(existsSync(join(checkout.chainDir, "chainlets/price-quote/data"))).toBe(false);
  });

  it("installs npmRequirements pinned from the project's lockfile, with npm ci, and notes GPU needs", async () => {
    const ir: ChainIR = structuredClone(hello.ir);
    const sayHello = ir.chainlets.find((chainlet) => chainlet.name === "say-hello")!;
    sayHello.config.dockerImage.npmRequirements = ["yaml@^2", "commander"];
    sayHello.config.dockerImage.aptRequirements = ["ffmpeg"];
    sayHello.config.dockerImage.buildCommands = ["echo built > /tmp/marker"];
    sayHello.config.compute.gpu = "A10G";
    sayHello.config.compute.gpuCount = 2;
    sayHello.config.options.env = { LOG_LEVEL: "debug" };
    const files = await emitChain(ir, { chainDir: hello.chainDir });
    const text = (path: string) => String(files.find((file) => file.path === path)?.contents);
    const lock = JSON.parse(readFileSync(join(repoRoot, "package-lock.json"), "utf8")) as { packages: Record<string, { version: string }> };

    const manifest = JSON.parse(text("chainlets/say-hello/package.json")) as { dependencies: Record<string, string> };
    expect(manifest.dependencies).toEqual({
      commander: lock.packages["node_modules/commander"]!.version,
      yaml: lock.packages["node_modules/yaml"]!.version,
    });
    const contextLock = JSON.parse(text("chainlets/say-hello/package-lock.json")) as { packages: Record<string, { version?: string; dev?: boolean }> };
    expect(contextLock.packages[""]).toMatchObject({ dependencies: manifest.dependencies });
    expect(contextLock.packages["node_modules/yaml"]?.version).toBe(manifest.dependencies.yaml);
    expect(Object.values(contextLock.packages).some((entry) => entry.dev)).toBe(false);

    const dockerfile = text("chainlets/say-hello/Dockerfile");
    expect(lint(dockerfile)).toEqual([]);
    expect(dockerfile).toContain("COPY package.json package-lock.json ./");
    expect(dockerfile).toContain("RUN npm ci --omit=dev");
    expect(dockerfile).toContain("apt-get install -y --no-install-recommends ffmpeg");
    expect(dockerfile).toContain('RUN ["/bin/sh","-c","echo built > /tmp/marker"]');
    expect(dockerfile).toMatch(/# GPU: this Chainlet asks for 2 x A10G/);
    expect(dockerfile).toContain('LOG_LEVEL="debug"');
    // Installed steps come before the non-root switch; the app runs as that user.
    expect(dockerfile.indexOf("npm ci")).toBeLessThan(dockerfile.indexOf("USER "));
    // The other Chainlet is untouched.
    expect(text("chainlets/hello-all/Dockerfile")).not.toMatch(/GPU|npm ci/);
  });

  it("keeps npmRequirements out of the bundle and installs them in the image", async () => {
    const built = await buildFixture("external-dep", "test/emitters/fixtures/external-dep/chain.ts");
    try {
      const bundle = built.text("chainlets/parse-yaml/server.mjs");
      expect(bundle).toMatch(/from "yaml"/);
      // yaml's own code (its parser classes) is not inlined.
      expect(bundle).not.toContain("class Composer");
      const lock = JSON.parse(readFileSync(join(repoRoot, "package-lock.json"), "utf8")) as { packages: Record<string, { version: string }> };
      expect(JSON.parse(built.text("chainlets/parse-yaml/package.json")).dependencies).toEqual({ yaml: lock.packages["node_modules/yaml"]!.version });
      expect(built.text("chainlets/parse-yaml/Dockerfile")).toContain("RUN npm ci --omit=dev");
      expect(built.text("chainlets/parse-yaml/.dockerignore")).toContain("!package-lock.json");
    } finally {
      rmSync(built.outDir, { recursive: true, force: true });
    }
  });

  it("describes the service in OpenAPI 3.1 with named schemas, the error envelope and bearer auth", () => {
    const api = JSON.parse(checkout.text("chainlets/price-quote/openapi.json")) as any;
    expect(api.openapi).toBe("3.1.0");
    const post = api.paths["/v1/run_remote"].post;
    const request = post.requestBody.content["application/json"].schema;
    const response = post.responses["200"].content["application/json"].schema;
    expect(Object.keys(request.properties).length).toBeGreaterThan(0);
    expect(JSON.stringify([request, response])).not.toContain("#/$defs/");
    for (const ref of JSON.stringify(api).match(/"#\/components\/schemas\/[^"]+"/g) ?? []) {
      expect(api.components.schemas, ref).toHaveProperty(JSON.parse(ref).slice("#/components/schemas/".length));
    }
    for (const status of ["400", "500", "4XX", "5XX"]) {
      expect(post.responses[status].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/ErrorEnvelope" });
    }
    expect(api.components.schemas.RemoteErrorDetail.required).toEqual(["type", "message", "chainlet"]);
    expect(api.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
    expect(Object.keys(api.paths).sort()).toEqual(["/healthz", "/metrics", "/readyz", "/v1/run_remote"]);
  });
});
