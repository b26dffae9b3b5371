import { rmSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { buildId } from "../emitters/build-id.js";
import type { EmittedFile } from "../emitters/emitted-file.js";
import { writeFiles } from "./write-files.js";

/**
 * Folders of build output kept by their contents, for a process that writes each build to a new output
 * folder while earlier ones stay in use (`chains serve --watch`: a Chainlet whose build did not change
 * keeps running from the generation it started in). A folder that a build emits byte for byte as an
 * earlier build did is not written again: the new output links to the kept copy (see
 * `writeOutputAtomically`). A kept folder is written under a temporary name, renamed into place once
 * complete and never changed after, so every link to it sees one whole build's files.
 */
export class OutputStore {
  /** Kept folders by key (their contents' hash), each written or being written. */
  private readonly folders = new Map<string, Promise<string>>();
  /** A file of a kept folder by its link key: the next folder with the same file links it. */
  private readonly files = new Map<string, { key: string; path: string }>();
  /** The kept folders each output links, by the output's folder. */
  private readonly linked = new Map<string, readonly string[]>();

  /** Empties the root once, before the first folder is kept: what an earlier process left there is not this store's. */
  private prepared: Promise<unknown> | undefined;

  /** @param root the folder to keep folders in; it belongs to this store alone (anything in it is removed). */
  constructor(readonly root: string) {}

  /**
   * The kept folder holding exactly `files` (paths relative to it), written now unless a build of this
   * store wrote the same files before; with its key.
   */
  async place(files: readonly EmittedFile[]): Promise<{ key: string; path: string }> {
    const key = buildId(files);
    let placed = this.folders.get(key);
    if (!placed) {
      placed = this.write(key, files);
      this.folders.set(key, placed);
      placed.catch(() => this.folders.delete(key));
    }
    return { key, path: await placed };
  }

  /** Records that the output folder `destination` now links the kept folders `keys`. */
  use(destination: string, keys: readonly string[]): void {
    this.linked.set(destination, keys);
  }

  /** Forgets every output folder but `destinations` (removed by their owner) and removes each kept folder none of those links. */
  keepOnly(destinations: readonly string[]): void {
    for (const destination of [...this.linked.keys()]) if (!destinations.includes(destination)) this.linked.delete(destination);
    const inUse = new Set([...this.linked.values()].flat());
    for (const key of [...this.folders.keys()]) {
      if (inUse.has(key)) continue;
      this.folders.delete(key);
      for (const [same, file] of this.files) if (file.key === key) this.files.delete(same);
      rmSync(join(this.root, key), { recursive: true, force: true });
    }
  }

  private async write(key: string, files: readonly EmittedFile[]): Promise<string> {
    await (this.prepared ??= rm(this.root, { recursive: true, force: true }).then(() => mkdir(this.root, { recursive: true })));
    // One placement per key at a time (see `place`), so the key names its temporary folder alone.
    const staging = join(this.root, `.${key}.tmp`);
    const path = join(this.root, key);
    try {
      await mkdir(staging, { mode: 0o755 });
      const existing = new Map([...this.files].map(([same, file]) => [same, file.path]));
      const written = await writeFiles(staging, files, existing);
      await rename(staging, path);
      for (const [same, file] of written) this.files.set(same, { key, path: join(path, file.slice(staging.length + 1)) });
      return path;
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      throw error;
    }
  }
}
