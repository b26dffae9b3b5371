import { existsSync, watch, type FSWatcher } from "node:fs";
import { dirname, join } from "node:path";

/** What to watch: single files (watched through their folder, so editors' rename-on-save is seen) and whole folders. */
export interface WatchSet {
  files: string[];
  folders: string[];
}

export interface FileWatcher {
  /** Replaces what is watched (the program's files change as imports are added or removed). */
  update(set: WatchSet): void;
  close(): void;
}

/**
 * The quiet time that ends a burst of file events. One save by an editor (a write, or a write to a
 * temporary file and a rename, then a chmod) is a burst of events a few ms apart; every ms more is a ms
 * longer until the new code answers. A save split wider than this costs one extra reload, whose first
 * build may report the half-written file before the next recovers.
 */
export const DEFAULT_DEBOUNCE_MS = 30;

/**
 * Calls `onChange` with the changed paths once a burst of events has been quiet for `debounceMs`:
 * an editor's save (write, rename, chmod) is one change. `firstEventAt` (`performance.now()`) is when
 * the burst's first event arrived, so a reload can say how long it waited.
 */
export function watchFiles(set: WatchSet, onChange: (paths: string[], firstEventAt: number) => void, debounceMs = DEFAULT_DEBOUNCE_MS): FileWatcher {
  const watchers = new Map<string, FSWatcher>();
  let files = new Set<string>();
  let pending = new Set<string>();
  let firstEventAt = 0;
  let timer: NodeJS.Timeout | undefined;
  const changed = (path: string) => {
    if (pending.size === 0) firstEventAt = performance.now();
    pending.add(path);
    clearTimeout(timer);
    timer = setTimeout(() => {
      const paths = [...pending].sort();
      pending = new Set();
      onChange(paths, firstEventAt);
    }, debounceMs);
  };
  const watchOnce = (key: string, target: string, recursive: boolean, filter: (name: string) => boolean) => {
    if (watchers.has(key) || !existsSync(target)) return;
    const watcher = watch(target, { recursive }, (_event, name) => {
      const full = name ? join(target, name.toString()) : target;
      if (filter(full)) changed(full);
    });
    watcher.on("error", () => watcher.close());
    watchers.set(key, watcher);
  };
  const update = ({ files: nextFiles, folders }: WatchSet) => {
    files = new Set(nextFiles);
    const wanted = new Set([...nextFiles.map((f) => `file:${dirname(f)}`), ...folders.map((d) => `tree:${d}`)]);
    for (const [key, watcher] of watchers) {
      if (!wanted.has(key)) {
        watcher.close();
        watchers.delete(key);
      }
    }
    for (const file of nextFiles) watchOnce(`file:${dirname(file)}`, dirname(file), false, (path) => files.has(path));
    for (const folder of folders) watchOnce(`tree:${folder}`, folder, true, () => true);
  };
  update(set);
  return {
    update,
    close() {
      clearTimeout(timer);
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}
