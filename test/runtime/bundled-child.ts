import type { Readable } from "node:stream";
import { build } from "esbuild";

/** Bundles a server entry as `chains build` bundles a server.mjs (one ES module for Node, with a source map). */
export async function bundleServerEntry(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile,
    sourcemap: true,
    logLevel: "silent",
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
}

/** Calls `onLine` with each complete line a child writes to `stream` (its stdout: one JSON log line each). */
export function eachLine(stream: Readable, onLine: (line: string) => void): void {
  let buffer = "";
  stream.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split("\n");
    buffer = parts.pop()!;
    for (const line of parts) onLine(line);
  });
}
