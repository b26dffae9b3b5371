import { readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const FRAME = /^\s*at (?:(.*?) \()?(.+?):(\d+):(\d+)\)?$/;
const maps = new Map<string, SourceMap | null>();

function sourceMapOf(file: string): SourceMap | null {
  const cached = maps.get(file);
  if (cached !== undefined) return cached;
  let map: SourceMap | null = null;
  try {
    const code = readFileSync(file, "utf8");
    const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(code)?.[1];
    if (url) {
      const inline = /^data:application\/json;(?:charset=[^;]+;)?base64,(.*)$/.exec(url);
      const text = inline ? Buffer.from(inline[1], "base64").toString("utf8") : readFileSync(resolve(dirname(file), url), "utf8");
      map = new SourceMap(JSON.parse(text));
    }
  } catch {
    map = null;
  }
  maps.set(file, map);
  return map;
}

function toPath(location: string): string | undefined {
  if (location.startsWith("file://")) return fileURLToPath(location);
  if (location.startsWith("/")) return location;
  return undefined;
}

/** Frames of the runtime, of Node and of dependencies say nothing about the user's bug. */
function isUserSource(source: string): boolean {
  return !/(^node:|node_modules|runtime-node\/|\/tschains\/lib\/|<anonymous>|^internal\/)/.test(source);
}

function tidy(source: string): string {
  // esbuild writes sources relative to the map ("../../../src/chain.ts"); the leading climb is noise.
  return source.replace(/^(?:\.\.\/|\.\/)+/, "").replace(/^file:\/\//, "");
}

/**
 * The error's stack with only the user's frames, mapped through the bundle's source map (inline or
 * `.map` file next to it) to `.ts` lines. Works whether or not Node runs with `--enable-source-maps`.
 */
export function userStack(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const header = `${error.name}: ${error.message}`;
  const frames: string[] = [];
  for (const line of (error.stack ?? "").split("\n")) {
    const match = FRAME.exec(line);
    if (!match) continue;
    const [, fn, location, lineText, columnText] = match;
    let source = location;
    let lineNo = Number(lineText);
    let column = Number(columnText);
    const path = toPath(location);
    const map = path && !path.endsWith(".ts") ? sourceMapOf(path) : null;
    if (map) {
      const entry = map.findEntry(lineNo - 1, column - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number };
      if (entry.originalSource === undefined) continue;
      source = tidy(entry.originalSource);
      lineNo = (entry.originalLine ?? 0) + 1;
      column = (entry.originalColumn ?? 0) + 1;
    }
    if (!isUserSource(source)) continue;
    frames.push(`    at ${fn ? `${fn} (` : ""}${tidy(source)}:${lineNo}:${column}${fn ? ")" : ""}`);
  }
  return [header, ...frames].join("\n");
}
