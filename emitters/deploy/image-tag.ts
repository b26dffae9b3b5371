import type { ChainletIR } from "../../compiler/chain-ir.js";
import { buildId } from "../build-id.js";
import { stableJson } from "../stable-json.js";

/** What a tag may be (Docker's reference grammar): up to 128 of `[A-Za-z0-9_.-]`, not starting with `.` or `-`. */
export const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/**
 * The tag a Chainlet's image gets when `--tag` is not given: never `latest`, so `IfNotPresent` never runs
 * a stale image. It is the Chainlet's build id (a hash of its image's inputs, set by `emitChain`), so an
 * unchanged Chainlet keeps its tag and any change that reaches the image gives a new one. An IR that was
 * not emitted (deployment emitters called on their own) is tagged by a hash of the Chainlet's IR instead.
 */
export function defaultImageTag(chainlet: ChainletIR): string {
  return chainlet.buildId ?? buildId([{ path: "chain.json", contents: stableJson(chainlet) }]);
}
