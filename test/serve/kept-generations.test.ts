import { createHash } from "node:crypto";
import { cpSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildChain } from "../../api/build-chain.js";
import { OutputStore } from "../../api/output-store.js";
import { writeOutputAtomically } from "../../api/write-output-atomically.js";
import { EmitCache } from "../../emitters/emit-cache.js";

// `chains serve --watch` writes each build to a new generation folder and links the Chainlet contexts and
// clients an earlier generation already holds (`OutputStore`). What a generation holds must still be
// exactly what `chains build` writes, and a failed rebuild must leave the last one whole.

const repo = join(import.meta.dirname, "..", "..");
const scratch = mkdtempSync(join(repo, "test", "tmp-kept-generations-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Every file under `dir`, symbolic links followed (relative POSIX path → mode and SHA-256 of its bytes). */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (current: string) => {
    for (const name of readdirSync(current).sort()) {
      const path = join(current, name);
      const real = realpathSync(path);
      if (lstatSync(real).isDirectory()) walk(path);
      else files.set(relative(dir, path).split("\\").join("/"), `${lstatSync(real).mode & 0o777}:${createHash("sha256").update(readFileSync(path)).digest("hex")}`);
    }
  };
  walk(dir);
  return files;
}

const original = readFileSync(join(repo, "fixtures/hello/chain.ts"), "utf8");
const bodyChanged = original.replace("`Hello, ${name}", "`Hi, ${name}");

describe("generations of chains serve --watch kept in an OutputStore", () => {
  const project = join(scratch, "project");
  const entry = join(project, "chain.ts");
  const work = join(scratch, "work");
  const store = new OutputStore(join(work, "kept"));
  const cache = new EmitCache();
  const generation = (n: number) => join(work, `g${n}`);
  let first: string;
  let second: string;

  beforeAll(async () => {
    cpSync(join(repo, "fixtures/hello"), project, { recursive: true });
    const g1 = await buildChain(entry, { outDir: generation(1), cache, store });
    expect(g1.diagnostics).toEqual([]);
    first = g1.chainDir;
    writeFileSync(entry, bodyChanged);
    const g2 = await buildChain(entry, { outDir: generation(2), cache, store });
    expect(g2.ok).toBe(true);
    second = g2.chainDir;
  }, 120_000);
  afterAll(() => cache.dispose());

  it("holds byte for byte what chains build writes, the edit included", async () => {
    // At the same depth as the generations: chain.json holds the project's path relative to the output.
    const fresh = await buildChain(entry, { outDir: join(scratch, "fresh", "g2") });
    expect(fresh.ok).toBe(true);
    const expected = snapshot(fresh.chainDir);
    expect(snapshot(second)).toEqual(expected);
    expect(readFileSync(join(second, "chainlets/say-hello/server.mjs"), "utf8")).toContain("Hi, ");
    expect(readFileSync(join(first, "chainlets/say-hello/server.mjs"), "utf8")).not.toContain("Hi, ");
  }, 60_000);

  it("links an unchanged Chainlet's context and client to the earlier generation's copy, and writes the changed one anew", () => {
    for (const folder of ["chainlets/hello-all", "clients/hello-all", "clients/say-hello"]) {
      expect(lstatSync(join(second, folder)).isSymbolicLink()).toBe(true);
      expect(realpathSync(join(second, folder))).toBe(realpathSync(join(first, folder)));
    }
    expect(realpathSync(join(second, "chainlets/say-hello"))).not.toBe(realpathSync(join(first, "chainlets/say-hello")));
    // The runtime is one file on disk across generations: the new context links the kept copy.
    const runtime = (chainDir: string) => lstatSync(join(chainDir, "chainlets/say-hello/runtime.mjs")).ino;
    expect(runtime(second)).toBe(runtime(first));
  });

  it("leaves the last generation whole when a rebuild fails", async () => {
    const before = snapshot(second);
    writeFileSync(entry, bodyChanged.replace("`Hi, ${name}", "42 as unknown as number + ${name}"));
    const g3 = await buildChain(entry, { outDir: generation(3), cache, store });
    expect(g3.ok).toBe(false);
    expect(existsSync(generation(3))).toBe(false);
    expect(snapshot(second)).toEqual(before);
    writeFileSync(entry, bodyChanged);
  }, 60_000);

  it("removes only the kept folders no remaining generation links", () => {
    const say1 = realpathSync(join(first, "chainlets/say-hello"));
    const say2 = realpathSync(join(second, "chainlets/say-hello"));
    const shared = realpathSync(join(second, "chainlets/hello-all"));
    store.keepOnly([second]);
    expect(existsSync(say1)).toBe(false);
    expect(existsSync(say2)).toBe(true);
    expect(existsSync(shared)).toBe(true);
  });
});

describe("writeOutputAtomically with stored folders", () => {
  it("writes only the stored folders that hold files, and keeps the previous output and the store clean when writing one fails", async () => {
    const destination = join(scratch, "atomic", "g1", "chain");
    const store = new OutputStore(join(scratch, "atomic", "kept"));
    const folders = ["ctx/a", "ctx/b", "ctx/empty"];
    await writeOutputAtomically(destination, [{ path: "top.txt", contents: "1" }, { path: "ctx/a/f.txt", contents: "a" }, { path: "ctx/b/f.txt", contents: "b" }], { store, folders });
    const before = snapshot(destination);
    expect([...before.keys()]).toEqual(["ctx/a/f.txt", "ctx/b/f.txt", "top.txt"]);
    await expect(
      writeOutputAtomically(destination, [{ path: "top.txt", contents: "2" }, { path: "ctx/a/f.txt", contents: "a2" }, { path: "ctx/b/../../../x", contents: "x" }], { store, folders }),
    ).rejects.toThrow(/must stay inside the chain folder/);
    expect(snapshot(destination)).toEqual(before);
    expect(readdirSync(join(scratch, "atomic", "g1"))).toEqual(["chain"]);
    expect(readdirSync(store.root).filter((name) => name.startsWith("."))).toEqual([]);
  });
});
