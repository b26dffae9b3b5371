import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { emitChain } from "../../emitters/emit-chain.js";
import { compile, scratchFolder, writeHostileChain } from "./hostile-chain.js";

/** `dockerImage.dataDir` copies files into the image: only from a folder inside the project, links refused. */
const scratch = scratchFolder("hardening-data-");
const outside = mkdtempSync(join(tmpdir(), "tschains-outside-"));
writeFileSync(join(outside, "stolen.txt"), "not the project's\n");
afterAll(() => {
  scratch.dispose();
  rmSync(outside, { recursive: true, force: true });
});

/** Builds a chain whose Chainlet has `dataDir`, after `prepare(folder of chain.ts)` set up the files. */
async function buildWithDataDir(name: string, dataDir: (folder: string) => string, prepare: (folder: string) => void = () => {}) {
  const folder = join(scratch.dir, name);
  mkdirSync(folder, { recursive: true });
  prepare(folder);
  const entry = writeHostileChain(scratch.dir, name, { remoteConfig: `{ dockerImage: { dataDir: ${JSON.stringify(dataDir(folder))} } }` });
  const { ir, diagnostics } = compile(entry);
  expect(diagnostics).toEqual([]);
  return emitChain(ir!, { chainDir: join(scratch.dir, "out", name) });
}

describe("dataDir stays inside the project", () => {
  it("a relative path that climbs out of the project is CH1450", async () => {
    await expect(buildWithDataDir("climbs-out", (folder) => relative(folder, outside))).rejects.toThrow(
      /^CH1450: Chainlet "echo": dockerImage.dataDir "(\.\.\/)+tmp\/tschains-outside-\w+" resolves to .*, which is not a folder inside the project/,
    );
  });

  it("a path that resolves to the project root itself is CH1450 (it would copy the whole project)", async () => {
    await expect(buildWithDataDir("whole-project", () => "../../../..")).rejects.toThrow(/^CH1450: .*"\.\.\/\.\.\/\.\.\/\.\." resolves to/);
  });

  it("a data folder that is a symbolic link to outside the project is CH1450", async () => {
    await expect(buildWithDataDir("linked-folder", () => "data", (folder) => symlinkSync(outside, join(folder, "data")))).rejects.toThrow(
      /^CH1450: Chainlet "echo": dockerImage.dataDir "data" resolves to .*tschains-outside-/,
    );
  });

  it("a symbolic link inside the data folder is CH1451, not silently skipped", async () => {
    const prepare = (folder: string) => {
      mkdirSync(join(folder, "data", "nested"), { recursive: true });
      writeFileSync(join(folder, "data", "ok.txt"), "ok\n");
      symlinkSync(join(outside, "stolen.txt"), join(folder, "data", "nested", "link.txt"));
    };
    await expect(buildWithDataDir("link-inside", () => "data", prepare)).rejects.toThrow(
      /^CH1451: Chainlet "echo": dockerImage.dataDir "data": nested\/link.txt is a symbolic link; a data folder holds only files and folders/,
    );
  });

  it("a data folder inside the project is copied, file by file", async () => {
    const prepare = (folder: string) => {
      mkdirSync(join(folder, "assets", "deep"), { recursive: true });
      writeFileSync(join(folder, "assets", "deep", "a.txt"), "a\n");
    };
    const files = await buildWithDataDir("inside", () => "./assets", prepare);
    expect(files.filter((file) => file.path.includes("/data/")).map((file) => file.path)).toEqual(["chainlets/echo/data/deep/a.txt"]);
  });
});
