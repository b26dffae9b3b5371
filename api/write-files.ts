import { link, mkdir, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, normalize, sep } from "node:path";
import type { EmittedFile } from "../emitters/emitted-file.js";

/** What identifies a file that may be hard-linked instead of written: its digest and mode. */
export function linkKey(file: EmittedFile): string | undefined {
  return file.digest === undefined ? undefined : `${file.digest}:${file.mode ?? 0o644}`;
}

/**
 * Writes `files` under `root`, several at a time (a chain of 50 Chainlets is about 900 small files,
 * which one after the other cost more in waiting than in writing). A file whose digest and mode
 * ({@link linkKey}) an earlier file of `files` has, or that `existing` maps to a file already on disk,
 * is a hard link to it. Returns the absolute path of the first file written for each link key.
 */
export async function writeFiles(root: string, files: readonly EmittedFile[], existing: ReadonlyMap<string, string> = new Map()): Promise<Map<string, string>> {
  const planned = files.map((file) => ({ file, target: join(root, safeRelativePath(file.path)), mode: file.mode ?? 0o644 }));
  for (const folder of [...new Set(planned.map(({ target }) => dirname(target)))].sort()) await mkdir(folder, { recursive: true });
  const firsts = new Map<string, string>();
  const links: { from: string; target: string }[] = [];
  const writes: (typeof planned)[number][] = [];
  for (const entry of planned) {
    const same = linkKey(entry.file);
    const first = same === undefined ? undefined : (existing.get(same) ?? firsts.get(same));
    if (first !== undefined) links.push({ from: first, target: entry.target });
    else {
      if (same !== undefined) firsts.set(same, entry.target);
      writes.push(entry);
    }
  }
  await inParallel(writes, ({ file, target, mode }) => writeFile(target, file.contents, { mode }));
  await inParallel(links, ({ from, target }) => link(from, target));
  return firsts;
}

/** Runs `work` on every item, at most {@link WRITE_CONCURRENCY} at once; rejects with the first failure once all have settled. */
export async function inParallel<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
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
export function safeRelativePath(path: string): string {
  const normalized = normalize(path.split("/").join(sep));
  if (path === "" || isAbsolute(path) || normalized.split(sep).includes("..")) {
    throw new Error(`Emitted file path must stay inside the chain folder: ${JSON.stringify(path)}`);
  }
  return normalized;
}
