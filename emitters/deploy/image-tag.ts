import { createHash } from "node:crypto";
import type { ChainletIR } from "../../compiler/chain-ir.js";
import { stableJson } from "../stable-json.js";

/** What a tag may be (Docker's reference grammar): up to 128 of `[A-Za-z0-9_.-]`, not starting with `.` or `-`. */
export const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** The files of a Chainlet's Docker build context, by path; what its image is built from. */
export type BuildContext = readonly { path: string; contents: string | Uint8Array }[];

/**
 * The tag a Chainlet's image gets when `--tag` is not given: never `latest`, so `IfNotPresent` never runs
 * a stale image. It is the first 20 hex digits of a SHA-256 over the Chainlet's IR and, when the build has
 * them, every file of its Docker build context (bundle, Dockerfile, lockfile, data), so the same source
 * gives the same tag and any change that reaches the image gives a new one.
 */
export function defaultImageTag(chainlet: ChainletIR, context: BuildContext = []): string {
  const hash = createHash("sha256").update(stableJson(chainlet));
  for (const file of [...context].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    hash.update(`\0${file.path}\0${file.contents.length}\0`).update(file.contents);
  }
  return `sha-${hash.digest("hex").slice(0, 20)}`;
}
