import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildChain } from "../api/build-chain.js";
import { writeOutputAtomically } from "../api/write-output-atomically.js";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const hello = join(root, "fixtures", "hello", "chain.ts");
const scratch = mkdtempSync(join(root, "test", "tmp-cli-build-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Every file under `dir` (relative POSIX path → bytes). */
function snapshot(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.set(relative(dir, path).split("\\").join("/"), readFileSync(path));
    }
  };
  walk(dir);
  return files;
}

/** A copy of the hello chain with `edit` applied, in its own folder under the repo (so "tschains" resolves). */
function helloVariant(name: string, edit: (source: string) => string): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  const entry = join(dir, "chain.ts");
  writeFileSync(entry, edit(readFileSync(hello, "utf8")));
  return entry;
}

describe("buildChain (chains build in-process)", () => {
  const out = join(scratch, "out-a");
  let first: Map<string, Buffer>;
  beforeAll(async () => {
    const result = await buildChain(hello, { outDir: out });
    expect(result.diagnostics).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.chainDir).toBe(join(out, "hello-world"));
    first = snapshot(result.chainDir);
  });

  it("writes chain.json, valid against chain-ir.schema.json, and each Chainlet's schemas", () => {
    const chainJson = JSON.parse(first.get("chain.json")!.toString("utf8"));
    const schema = JSON.parse(readFileSync(join(root, "compiler", "chain-ir.schema.json"), "utf8"));
    const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);
    expect(validate(chainJson), JSON.stringify(validate.errors)).toBe(true);
    expect(chainJson).toMatchObject({ name: "hello-world", entrypoint: "hello-all" });
    for (const name of ["hello-all", "say-hello"]) {
      const input = JSON.parse(first.get(`chainlets/${name}/schemas/input.schema.json`)!.toString("utf8"));
      expect(input).toEqual(chainJson.chainlets.find((c: { name: string }) => c.name === name).schemas.input);
    }
    expect(readdirSync(out)).toEqual(["hello-world"]);
  });

  it("is deterministic: a second build is byte-identical", async () => {
    const again = await buildChain(hello, { outDir: join(scratch, "out-b") });
    expect(again.ok).toBe(true);
    const second = snapshot(again.chainDir);
    expect([...second.keys()].sort()).toEqual([...first.keys()].sort());
    for (const [path, bytes] of first) expect(second.get(path)!.equals(bytes), path).toBe(true);
  });

  it("gives every Chainlet context the same runtime (runtime.mjs, runtime/), stored once: its copies are hard links", () => {
    const runtimeFiles = [...first.keys()].filter((path) => /^chainlets\/say-hello\/runtime(\.mjs|\/)/.test(path));
    expect(runtimeFiles).toContain("chainlets/say-hello/runtime.mjs.map");
    expect(runtimeFiles.filter((path) => path.startsWith("chainlets/say-hello/runtime/")).length).toBeGreaterThan(0);
    for (const path of runtimeFiles) {
      const [a, b] = [path, path.replace("say-hello", "hello-all")].map((each) => statSync(join(out, "hello-world", each)));
      expect(a!.size, path).toBeGreaterThan(0);
      expect(b!.ino, path).toBe(a!.ino);
      expect(a!.mode & 0o777, path).toBe(0o644);
    }
  });

  it("a failing build writes nothing and leaves the previous output untouched", async () => {
    const broken = helloVariant("broken-hello", (source) => source.replace("(names: string[]): Promise<string>", "(names: string[])"));
    const result = await buildChain(broken, { outDir: out });
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map((d) => d.code)).toEqual(["CH1006"]);
    expect(readdirSync(out)).toEqual(["hello-world"]);
    const after = snapshot(join(out, "hello-world"));
    expect([...after.keys()].sort()).toEqual([...first.keys()].sort());
    for (const [path, bytes] of first) expect(after.get(path)!.equals(bytes), path).toBe(true);
  });

  it("refuses a deploy option that is not what it claims (CH1440) and writes nothing", async () => {
    const fresh = join(scratch, "out-bad-tag");
    const result = await buildChain(hello, { outDir: fresh, tag: "v1\nimage: evil" });
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map((d) => [d.code, d.message])).toEqual([["CH1440", '--tag "v1\\nimage: evil" is not valid.']]);
    expect(existsSync(fresh)).toBe(false);
  });

  it("a failing build into a fresh folder creates nothing", async () => {
    const broken = helloVariant("broken-fresh", (source) => source.replace("name: string, excited", "name, excited"));
    const fresh = join(scratch, "out-fresh");
    const result = await buildChain(broken, { outDir: fresh });
    expect(result.ok).toBe(false);
    expect(existsSync(fresh)).toBe(false);
  });

  it("reads only the entry and its imports: an unrelated broken file does not fail the build", async () => {
    const entry = helloVariant("with-unrelated", (source) => source);
    writeFileSync(join(scratch, "with-unrelated", "broken.ts"), "export const n: number = 'not a number';\nthis is not TypeScript\n");
    const result = await buildChain(entry, { outDir: join(scratch, "out-unrelated") });
    expect(result.diagnostics).toEqual([]);
    expect(result.ok).toBe(true);
  });
});

describe("writeOutputAtomically", () => {
  it("keeps the previous output and leaves no temporary folder when writing fails midway", async () => {
    const parent = join(scratch, "atomic");
    const destination = join(parent, "chain");
    await writeOutputAtomically(destination, [{ path: "a.txt", contents: "old" }]);
    await expect(
      writeOutputAtomically(destination, [
        { path: "a.txt", contents: "new" },
        { path: "../escape.txt", contents: "x" },
      ]),
    ).rejects.toThrow(/must stay inside the chain folder/);
    expect(readdirSync(parent)).toEqual(["chain"]);
    expect(readFileSync(join(destination, "a.txt"), "utf8")).toBe("old");
  });

  it("replaces the whole folder: files of the previous build that are no longer emitted disappear", async () => {
    const destination = join(scratch, "replace", "chain");
    await writeOutputAtomically(destination, [{ path: "old/stale.txt", contents: "1" }]);
    await writeOutputAtomically(destination, [{ path: "bin/run", contents: "#!/bin/sh\n", mode: 0o755 }]);
    expect(snapshot(destination).has("old/stale.txt")).toBe(false);
    expect(statSync(join(destination, "bin", "run")).mode & 0o777).toBe(0o755);
    expect(statSync(destination).mode & 0o777).toBe(0o755);
    expect(readdirSync(join(scratch, "replace"))).toEqual(["chain"]);
  });
});

describe("the chains CLI process", () => {
  const cli = join(root, "lib", "cli", "chains.js");
  const run = (...args: string[]) => {
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build:lib\` first (npm test does)`);
    return spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: "utf8", timeout: 60_000 });
  };

  it("prints tsc-style diagnostics with a code frame to stderr and exits 1, writing nothing", () => {
    const out = join(scratch, "cli-fail");
    const result = run("build", "fixtures/diagnostics/ch1005-parameter-without-type/chain.ts", "--out", out);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      [
        "fixtures/diagnostics/ch1005-parameter-without-type/chain.ts:4:19 - error CH1005: Parameter 'start' of Counter.runRemote needs an explicit type annotation: the wire schema is generated from it.",
        "",
        "4   async runRemote(start = 1): Promise<number> {",
        "                    ~~~~~",
        "",
        "Found 1 error.",
        "",
      ].join("\n"),
    );
    expect(existsSync(out)).toBe(false);
  });

  it("builds fixtures/hello into --out and exits 0", () => {
    const out = join(scratch, "cli-ok");
    const result = run("build", "fixtures/hello/chain.ts", "--out", out);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(join(out, "hello-world"));
    expect(JSON.parse(readFileSync(join(out, "hello-world", "chain.json"), "utf8")).name).toBe("hello-world");
  });
});
