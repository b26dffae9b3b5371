import { createHash } from "node:crypto";

/** Hex digits of a build id: 64 bits, short enough for a tag, long enough that two builds never collide. */
export const BUILD_ID_LENGTH = 16;

/** One input of a Chainlet's image: a path inside its Docker context and the bytes there. */
export interface BuildInput {
  path: string;
  contents: string | Uint8Array;
  mode?: number;
  /** SHA-256 (hex) of `contents`, when already known: hashed in their place. */
  digest?: string;
}

/**
 * The build id of a Chainlet: a SHA-256 over exactly what goes into its image (the Dockerfile, the
 * bundle, the runtime bundle and their maps, the runtime `package.json`/lockfile, the data files), in path order, each framed
 * by its path and length so no two different sets of files hash alike. The bundle embeds the config,
 * the validators compiled from the schemas and what the Chainlet knows of its dependencies, so those
 * are covered too; a dependency's code is not, so changing a Chainlet's body does not change its callers' ids.
 */
export function buildId(inputs: readonly BuildInput[]): string {
  const hash = createHash("sha256");
  for (const input of [...inputs].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    const bytes = typeof input.contents === "string" ? Buffer.from(input.contents, "utf8") : input.contents;
    hash.update(`${input.path}\0${input.mode ?? 0o644}\0${bytes.length}\0`);
    hash.update(input.digest === undefined ? bytes : `sha256:${input.digest}`);
  }
  return hash.digest("hex").slice(0, BUILD_ID_LENGTH);
}
