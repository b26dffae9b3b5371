import { existsSync } from "node:fs";
import { chmod, link, mkdir, mkdtemp, readdir, rename, rm, rmdir, writeFile } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, normalize, sep } from "node:path";
import type { EmittedFile } from "../emitters/emitted-file.js";

/**
 * Writes `files` as the complete new contents of `destination`. Everything goes into a temporary folder
 * next to it (same filesystem, so the final renames are atomic) and replaces the old folder only once
 * every file is written; on any failure the previous output is left as it was and no temporary folder remains.
 * Files carrying the same `digest` and mode (the runtime every Chainlet context holds) are written once
 * and hard-linked: one copy on disk however many contexts there are.
 */
export async function writeOutputAtomically(destination: string, files: readonly EmittedFile[]): Promise<void> {
  const parent = dirname(destination);
  const parentExisted = existsSync(parent);
  await mkdir(parent, { recursive: true });
  const staging = await mkdtemp(join(parent, `.${basename(destination)}.tmp-`));
  let previous: string | undefined;
  try {
    await writeFiles(staging, files);
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
    if (previous) await rm(previous, { recursive: true, force: true });
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    if (!parentExisted) await removeIfEmpty(parent);
    throw error;
  }
}

/**
 * Writes `files` under `root`, several at a time (a chain of 50 Chainlets is about 900 small files,
 * which one after the other cost more in waiting than in writing); a file whose digest and mode an
 * earlier one has is a hard link to it.
 */
async function writeFiles(root: string, files: readonly EmittedFile[]): Promise<void> {
  const planned = files.map((file) => ({ file, target: join(root, safeRelativePath(file.path)), mode: file.mode ?? 0o644 }));
  for (const folder of [...new Set(planned.map(({ target }) => dirname(target)))].sort()) await mkdir(folder, { recursive: true });
  const firsts = new Map<string, string>();
  const links: { from: string; target: string }[] = [];
  const writes: (typeof planned)[number][] = [];
  for (const entry of planned) {
    const same = entry.file.digest === undefined ? undefined : `${entry.file.digest}:${entry.mode}`;
    const first = same === undefined ? undefined : firsts.get(same);
    if (first !== undefined) links.push({ from: first, target: entry.target });
    else {
      if (same !== undefined) firsts.set(same, entry.target);
      writes.push(entry);
    }
  }
  await inParallel(writes, ({ file, target, mode }) => writeFile(target, file.contents, { mode }));
  await inParallel(links, ({ from, target }) => link(from, target));
}

/** Runs `work` on every item, at most {@link WRITE_CONCURRENCY} at once; rejects with the first failure once all have settled. */
async function inParallel<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.min(WRITE_CONCURRENCY, items.length) }, worker));
  const failed = settled.find((result) => result.status === "rejected");
  if (failed) throw failed.reason;
}

/** libuv runs four file operations at a time by default; a few more queued keep it busy. */
const WRITE_CONCURRENCY = 8;

/** Emitters give POSIX paths relative to the chain folder; anything that could escape it is a bug. */
function safeRelativePath(path: string): string {
  const normalized = normalize(path.split("/").join(sep));
  if (path === "" || isAbsolute(path) || normalized.split(sep).includes("..")) {
    throw new Error(`Emitted file path must stay inside the chain folder: ${JSON.stringify(path)}`);
  }
  return normalized;
}

async function removeIfEmpty(folder: string): Promise<void> {
  try {
    if ((await readdir(folder)).length === 0) await rmdir(folder);
  } catch {
    // Best effort: a folder someone else just wrote into stays.
  }
}
