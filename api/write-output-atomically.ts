import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readdir, rename, rm, rmdir, symlink } from "node:fs/promises";
import { basename, dirname, join, relative } from "node:path";
import type { EmittedFile } from "../emitters/emitted-file.js";
import type { OutputStore } from "./output-store.js";
import { inParallel, safeRelativePath, writeFiles } from "./write-files.js";

/** Folders of the output kept in an {@link OutputStore} and linked, instead of written into each output. */
export interface StoredFolders {
  store: OutputStore;
  /** POSIX paths relative to the output folder (a Chainlet's context, its client). */
  folders: readonly string[];
}

/**
 * Writes `files` as the complete new contents of `destination`. Everything goes into a temporary folder
 * next to it (same filesystem, so the final renames are atomic) and replaces the old folder only once
 * every file is written; on any failure the previous output is left as it was and no temporary folder remains.
 * Files carrying the same `digest` and mode (the runtime every Chainlet context holds) are written once
 * and hard-linked: one copy on disk however many contexts there are. With `stored`, each of its folders
 * is a symbolic link to the store's copy of exactly its files, written only if no earlier output had them.
 */
export async function writeOutputAtomically(destination: string, files: readonly EmittedFile[], stored?: StoredFolders): Promise<void> {
  const parent = dirname(destination);
  const parentExisted = existsSync(parent);
  await mkdir(parent, { recursive: true });
  const staging = await mkdtemp(join(parent, `.${basename(destination)}.tmp-`));
  let previous: string | undefined;
  try {
    const keys = stored ? await writeWithStore(staging, destination, files, stored) : (await writeFiles(staging, files), []);
    // mkdtemp creates the folder private (0700); the output is an ordinary readable folder.
    await chmod(staging, 0o755);
    if (existsSync(destination)) {
      previous = `${staging}.previous`;
      await rename(destination, previous);
    }
    try {
      await rename(staging, destination);
    } catch (error) {
      if (previous) await rename(previous, destination);
      previous = undefined;
      throw error;
    }
    stored?.store.use(destination, keys);
    if (previous) await rm(previous, { recursive: true, force: true });
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    if (!parentExisted) await removeIfEmpty(parent);
    throw error;
  }
}

/**
 * Writes the files outside `stored.folders` under `staging`, places each stored folder's files in the
 * store and links it (relative to where `staging` lands, `destination`); returns the store keys linked.
 */
async function writeWithStore(staging: string, destination: string, files: readonly EmittedFile[], stored: StoredFolders): Promise<string[]> {
  const byFolder = new Map<string, EmittedFile[]>(stored.folders.map((folder) => [folder, []]));
  const rest: EmittedFile[] = [];
  for (const file of files) {
    const folder = storedFolderOf(file.path, byFolder);
    if (folder === undefined) rest.push(file);
    else byFolder.get(folder)!.push({ ...file, path: file.path.slice(folder.length + 1) });
  }
  await writeFiles(staging, rest);
  const links: { link: string; target: string; key: string }[] = [];
  // One folder at a time: the runtime files of the first new context are linked by the next ones.
  // A folder no file lies in is not in the output (as `writeFiles` would not create it either).
  for (const [folder, inside] of [...byFolder].filter(([, inside]) => inside.length > 0)) {
    const kept = await stored.store.place(inside);
    const path = safeRelativePath(folder);
    links.push({ link: join(staging, path), target: relative(dirname(join(destination, path)), kept.path), key: kept.key });
  }
  for (const folder of [...new Set(links.map(({ link }) => dirname(link)))].sort()) await mkdir(folder, { recursive: true });
  await inParallel(links, ({ link, target }) => symlink(target, link, "dir"));
  return links.map(({ key }) => key);
}

/** The stored folder `path` lies in, if any (the nearest of its ancestors that is one). */
function storedFolderOf(path: string, folders: ReadonlyMap<string, unknown>): string | undefined {
  for (let end = path.lastIndexOf("/"); end > 0; end = path.lastIndexOf("/", end - 1)) {
    const folder = path.slice(0, end);
    if (folders.has(folder)) return folder;
  }
  return undefined;
}

async function removeIfEmpty(folder: string): Promise<void> {
  try {
    if ((await readdir(folder)).length === 0) await rmdir(folder);
  } catch {
    // Best effort: a folder someone else just wrote into stays.
  }
}
