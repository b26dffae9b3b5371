import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChainIR } from "../../compiler/chain-ir.js";
import { compareBuilds, type DiffReport } from "../../diff/compare-chainlets.js";
import { variantBuilder } from "../chain-variants.js";

const repo = join(import.meta.dirname, "..", "..");
const scratch = mkdtempSync(join(repo, "test", "tmp-chains-diff-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const hello = readFileSync(join(repo, "fixtures/hello/chain.ts"), "utf8");

const buildVariant = variantBuilder(scratch);
const build = async (variant: string, source: string) => (await buildVariant(variant, source)).chainDir;

const irOf = (chainDir: string) => JSON.parse(readFileSync(join(chainDir, "chain.json"), "utf8")) as ChainIR;
const summary = (report: DiffReport) => report.changes.map((c) => `${c.severity} ${c.chainlet} ${c.aspect} ${c.path ?? ""}${c.rollout ? ` [${c.rollout}]` : ""}`);

describe("chains diff on builds of the hello chain", () => {
  let base: string;
  beforeAll(async () => {
    base = await build("base", hello);
  }, 60_000);

  it("finds nothing between two builds of the same chain", async () => {
    const again = await build("again", hello);
    expect(compareBuilds(irOf(base), irOf(again))).toEqual({ breaking: false, changes: [] });
  }, 60_000);

  it("treats a new optional parameter of a dependency as compatible in any order", async () => {
    const next = await build("optional", hello.replace("excited?: boolean)", "excited?: boolean, suffix?: string)"));
    const report = compareBuilds(irOf(base), irOf(next));
    expect(summary(report)).toEqual(["compatible say-hello input /suffix"]);
  }, 60_000);

  it("lists a widened entrypoint input as compatible, naming the parameter", async () => {
    const next = await build(
      "widened",
      hello.replace("runRemote(names: string[])", "runRemote(names: (string | number)[])").replace("this.hello.runRemote(name, true)", "this.hello.runRemote(String(name), true)"),
    );
    const report = compareBuilds(irOf(base), irOf(next));
    expect(report.changes).toEqual([
      { severity: "compatible", chainlet: "hello-all", caller: "outside callers", aspect: "input", path: "/names", reason: "changed; every value accepted before is still accepted" },
    ]);
  }, 60_000);

  it("treats an optional parameter made required as safe only when the caller rolls out first", async () => {
    const next = await build("required", hello.replace("excited?: boolean)", "excited: boolean)"));
    const report = compareBuilds(irOf(base), irOf(next));
    expect(report.breaking).toBe(false);
    expect(summary(report)).toEqual(['compatible say-hello input /excited [roll out "hello-all" before "say-hello"]']);
  }, 60_000);

  it("reports a new required entrypoint parameter, a narrowed input and a widened output as breaking", async () => {
    const next = await build(
      "entry",
      hello
        .replace("runRemote(names: string[]): Promise<string>", 'runRemote(names: ("ada" | "bob")[], greeting: string): Promise<string | number>'),
    );
    const report = compareBuilds(irOf(base), irOf(next));
    expect(report.breaking).toBe(true);
    expect(summary(report)).toEqual(
      expect.arrayContaining(["breaking hello-all input /names/*", "breaking hello-all input /greeting", "breaking hello-all output /"]),
    );
  }, 60_000);

  it("allows removing a Chainlet once its callers are rolled out", async () => {
    const next = await build(
      "removed",
      hello
        .replace("import { ChainletBase, depends, entrypoint }", "import { ChainletBase, entrypoint }")
        .replace("constructor(private readonly hello = depends(SayHello, { retries: 2, timeoutSec: 10 })) {\n    super();\n  }\n", "")
        .replace("await Promise.all(names.map((name) => this.hello.runRemote(name, true)))", "names.map((name) => `Hello, ${name}!`)"),
    );
    const report = compareBuilds(irOf(base), irOf(next));
    expect(summary(report)).toEqual(['compatible say-hello chainlet  [roll out "hello-all" before removing "say-hello"]']);
  }, 60_000);

  it("reports streaming changes as breaking and binary mode changes as compatible", () => {
    const next = irOf(base);
    next.chainlets.find((c) => c.name === "say-hello")!.runRemote.streaming = true;
    const edge = next.chainlets.find((c) => c.name === "hello-all")!.injections[0];
    if (edge.kind === "depends") edge.options.binary = true;
    expect(summary(compareBuilds(irOf(base), next))).toEqual(["breaking say-hello streaming ", "compatible say-hello binary "]);
  });

  it("exits 1 with a JSON report on a breaking change, 0 on a compatible one, 2 on a folder without a build", async () => {
    const breaking = await build("cli", hello.replace("runRemote(names: string[])", "runRemote(names: string[], greeting: string)"));
    // Each run starts the whole CLI (ts-morph included), which is slow on a loaded machine: hence the timeout.
    const cli = (...args: string[]) => spawnSync(process.execPath, [join(repo, "lib/cli/chains.js"), "diff", ...args], { encoding: "utf8" });
    const json = cli(join(base, "chain.json"), breaking, "--json");
    expect(json.status).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ breaking: true, changes: [{ severity: "breaking", chainlet: "hello-all", aspect: "input", path: "/greeting", reason: "new required field" }] });
    const text = cli(join(scratch, "out-base"), base);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain("Result: compatible.");
    const missing = cli(scratch, base);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("holds no chain.json");
  }, 240_000);
});
