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
  const written = new Map<string, string>();
  try {
    for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
      const target = join(staging, safeRelativePath(file.path));
      const mode = file.mode ?? 0o644;
      await mkdir(dirname(target), { recursive: true });
      const same = file.digest === undefined ? undefined : `${file.digest}:${mode}`;
      const first = same === undefined ? undefined : written.get(same);
      if (first !== undefined) {
        await link(first, target);
        continue;
      }
      await writeFile(target, file.contents, { mode });
      if (same !== undefined) written.set(same, target);
    }
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
