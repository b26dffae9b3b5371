import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import { beforeAll, describe, expect, it } from "vitest";
import type { ChainIR, ChainletIR } from "../../compiler/chain-ir.js";
import { compileChain } from "../../compiler/compile-chain.js";
import { irForChainDir } from "../../api/ir-for-chain-dir.js";
import { DEPENDS_DEFAULTS } from "../../runtime-node/authoring/remote-config.js";

const root = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const outDir = join(root, "dist");
const irSchema = JSON.parse(readFileSync(join(root, "compiler", "chain-ir.schema.json"), "utf8"));
const validateIr = new Ajv2020({ allErrors: true, strict: true }).compile(irSchema);

function chainlet(ir: ChainIR, name: string): ChainletIR {
  const found = ir.chainlets.find((c) => c.name === name);
  if (!found) throw new Error(`no chainlet ${name} in ${ir.chainlets.map((c) => c.name).join(", ")}`);
  return found;
}

const DEFAULT_CONFIG = {
  dockerImage: { baseImage: "node:24-slim", npmRequirements: [], aptRequirements: [], buildCommands: [], dataDir: null },
  compute: { cpu: 1, memory: "2Gi", gpu: null, gpuCount: 0, concurrency: 32, minReplicas: 1, maxReplicas: 1 },
  assets: { secretKeys: [] },
  options: { env: {} },
};

describe("the IR of fixtures/hello", () => {
  const entry = join(root, "fixtures", "hello", "chain.ts");
  const source = readFileSync(entry, "utf8");
  let ir: ChainIR;
  beforeAll(() => {
    const result = compileChain(entry);
    expect(result.diagnostics).toEqual([]);
    ir = result.ir!;
  });

  it("names the chain after @entrypoint(\"Hello World\") and its Chainlets after their classes", () => {
    expect(ir.name).toBe("hello-world");
    expect(ir.displayName).toBe("Hello World");
    expect(ir.entrypoint).toBe("hello-all");
    expect(ir.chainlets.map((c) => [c.name, c.className, c.isEntrypoint])).toEqual([
      ["hello-all", "HelloAll", true],
      ["say-hello", "SayHello", false],
    ]);
    expect(irForChainDir(ir, join(outDir, ir.name)).projectRoot).toBe("../..");
    expect(ir.entryFile).toBe("fixtures/hello/chain.ts");
    expect(chainlet(ir, "say-hello").file).toBe("fixtures/hello/chain.ts");
  });

  it("records the edge with its options, defaults filled in", () => {
    const hello = chainlet(ir, "hello-all");
    expect(hello.dependencies).toEqual(["say-hello"]);
    expect(hello.injections).toEqual([
      { kind: "depends", parameter: "hello", chainlet: "say-hello", options: { ...DEPENDS_DEFAULTS, retries: 2, timeoutSec: 10 } },
    ]);
    expect(chainlet(ir, "say-hello").dependencies).toEqual([]);
  });

  it("reads runRemote's parameters, optionality and asyncness", () => {
    expect(chainlet(ir, "say-hello").runRemote).toEqual({
      parameters: [
        { name: "name", optional: false },
        { name: "excited", optional: true },
      ],
      async: true,
      streaming: false,
    });
    expect(chainlet(ir, "say-hello").schemas.input).toMatchObject({ type: "object", required: ["name"], additionalProperties: false });
    expect(chainlet(ir, "hello-all").schemas.output).toMatchObject({ type: "string" });
  });

  it("fills every remoteConfig default when the class has none", () => {
    for (const c of ir.chainlets) {
      expect(c.config).toEqual(DEFAULT_CONFIG);
      expect(c.hasIsHealthy).toBe(false);
    }
  });

  it("gives source spans: the class with its decorator, and the exact depends( call", () => {
    const hello = chainlet(ir, "hello-all");
    expect(hello.source.exported).toBe("named");
    expect(source.slice(hello.source.classStart, hello.source.classEnd)).toMatch(/^@entrypoint\("Hello World"\)\nexport class HelloAll[\s\S]*\n}$/);
    const [call] = hello.source.dependsCalls;
    expect(source.slice(call!.start, call!.end)).toBe("depends(SayHello, { retries: 2, timeoutSec: 10 })");
    expect(call!.chainlet).toBe("say-hello");
    const say = chainlet(ir, "say-hello");
    expect(source.slice(say.source.classStart, say.source.classEnd)).toMatch(/^export class SayHello[\s\S]*\n}$/);
  });

  it("matches chain-ir.schema.json", () => {
    expect(validateIr(JSON.parse(JSON.stringify(ir))), JSON.stringify(validateIr.errors)).toBe(true);
  });
});

describe("a chain spread over several files", () => {
  const dir = join(root, "test", "compiler", "fixtures", "multi-file");
  let ir: ChainIR;
  beforeAll(() => {
    const result = compileChain(join(dir, "chain.ts"));
    expect(result.diagnostics).toEqual([]);
    ir = result.ir!;
  });

  it("finds Chainlets imported through a barrel, a namespace, a renamed depends and a default export", () => {
    expect(ir.name).toBe("pipeline");
    expect(ir.chainlets.map((c) => [c.name, c.className, c.file])).toEqual([
      ["pipeline", "Pipeline", "test/compiler/fixtures/multi-file/chain.ts"],
      ["shouter", "Shouter", "test/compiler/fixtures/multi-file/workers/shouter.ts"],
      ["upper-case", "Upper", "test/compiler/fixtures/multi-file/workers/upper.ts"],
    ]);
    const pipeline = chainlet(ir, "pipeline");
    expect(pipeline.dependencies).toEqual(["upper-case", "shouter"]);
    expect(pipeline.injections).toEqual([
      { kind: "depends", parameter: "upper", chainlet: "upper-case", options: { ...DEPENDS_DEFAULTS, binary: true, concurrencyLimit: 8 } },
      { kind: "context", parameter: "context" },
      { kind: "depends", parameter: "shout", chainlet: "shouter", options: DEPENDS_DEFAULTS },
    ]);
    const source = readFileSync(join(dir, "chain.ts"), "utf8");
    expect(pipeline.source.dependsCalls.map((c) => source.slice(c.start, c.end))).toEqual([
      "dependOn(workers.Upper, { binary: true, concurrencyLimit: 8 })",
      "dependOn(Shouter)",
    ]);
  });

  it("reads streaming, optional parameters, isHealthy and how each class is exported", () => {
    expect(chainlet(ir, "shouter").runRemote).toEqual({
      parameters: [
        { name: "text", optional: false },
        { name: "times", optional: false },
      ],
      async: true,
      streaming: true,
    });
    expect(chainlet(ir, "shouter").schemas.output).toMatchObject({ type: "string" });
    expect(chainlet(ir, "pipeline").runRemote.parameters).toEqual([
      { name: "text", optional: false },
      { name: "times", optional: true },
    ]);
    expect(chainlet(ir, "upper-case").runRemote).toEqual({ parameters: [{ name: "text", optional: false }], async: false, streaming: false });
    expect(ir.chainlets.map((c) => [c.name, c.hasIsHealthy, c.source.exported])).toEqual([
      ["pipeline", true, "named"],
      ["shouter", true, "default"],
      ["upper-case", false, "named"],
    ]);
  });

  it("resolves a full remoteConfig, with the defaults of what is left out", () => {
    expect(chainlet(ir, "upper-case").config).toEqual({
      dockerImage: { baseImage: "node:22-slim", npmRequirements: ["left-pad@1.3.0"], aptRequirements: [], buildCommands: [], dataDir: "./data" },
      compute: { cpu: 0.5, memory: "512Mi", gpu: "T4", gpuCount: 1, concurrency: 4, minReplicas: 2, maxReplicas: 2 },
      assets: { secretKeys: ["api_token"] },
      options: { env: { LOG_LEVEL: "debug" } },
    });
  });

  it("matches chain-ir.schema.json", () => {
    expect(validateIr(JSON.parse(JSON.stringify(ir))), JSON.stringify(validateIr.errors)).toBe(true);
  });
});
