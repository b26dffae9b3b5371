import { chmodSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { watchFiles, type FileWatcher } from "../../api/watch-files.js";
import { until } from "../integration/served-fixture.js";

describe("watchFiles (what chains serve --watch reacts to)", () => {
  let dir: string;
  let watcher: FileWatcher | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "tschains-watch-files-"));
  });
  afterEach(() => {
    watcher?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reports an editor's save (write to a temporary file, rename over the file, chmod) as one change, with when it began", async () => {
    const file = join(dir, "chain.ts");
    const other = join(dir, "notes.txt");
    writeFileSync(file, "export {};\n");
    const changes: { paths: string[]; firstEventAt: number; at: number }[] = [];
    watcher = watchFiles({ files: [file], folders: [] }, (paths, firstEventAt) => changes.push({ paths, firstEventAt, at: performance.now() }));
    const savedAt = performance.now();
    writeFileSync(`${file}.tmp`, "export const a = 1;\n");
    renameSync(`${file}.tmp`, file);
    chmodSync(file, 0o644);
    writeFileSync(other, "not part of the program");
    await until(() => changes.length > 0);
    // Long after the quiet time that ends a burst: a second report would be here by now.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(changes.map((c) => c.paths)).toEqual([[file]]);
    expect(changes[0]!.firstEventAt).toBeGreaterThanOrEqual(savedAt);
    expect(changes[0]!.firstEventAt).toBeLessThanOrEqual(changes[0]!.at);
  });

  it("reports a later save again, and a file under a watched folder", async () => {
    const file = join(dir, "chain.ts");
    const data = join(dir, "data");
    writeFileSync(file, "export {};\n");
    mkdirSync(data);
    const changes: string[][] = [];
    watcher = watchFiles({ files: [file], folders: [data] }, (paths) => changes.push(paths));
    writeFileSync(file, "export const b = 2;\n");
    await until(() => changes.length > 0);
    writeFileSync(join(data, "rates.json"), "{}");
    await until(() => changes.length > 1);
    expect(changes).toEqual([[file], [join(data, "rates.json")]]);
  });
});
