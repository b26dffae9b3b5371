import type { IncomingMessage } from "node:http";
import { alignedBuffer } from "./aligned-body.js";
import { runtimeError } from "./errors.js";

/**
 * The whole request body, or a 413 `RequestError` as soon as it passes `limit` bytes (checked against
 * Content-Length first, so an oversized upload is refused before it is read). The rest of a refused
 * body is drained, not kept, so the client reads the 413 instead of a reset connection.
 * `alignedOffset` may name, from the first chunk, an offset of the body to place 8-byte aligned in
 * memory (so a decoder can view typed arrays in place instead of copying them).
 */
export function readBody(req: IncomingMessage, limit: number, alignedOffset?: (head: Buffer) => number | undefined): Promise<Buffer> {
  const tooLarge = () => runtimeError("CH2103", { limit });
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(tooLarge());
  }
  // With a Content-Length (Node's parser never delivers more), the body is copied into one buffer of
  // that size as it arrives, so each chunk can be collected at once and nothing is copied again at
  // the end; a body that arrives as one chunk is used as it is.
  const expected = Number.isFinite(declared) && declared > 0 ? declared : undefined;
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let whole: Buffer | undefined;
    let size = 0;
    let refused = false;
    req.on("data", (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > limit) {
        refused = true;
        chunks = [];
        whole = undefined;
        reject(tooLarge());
        return;
      }
      if (expected === undefined) {
        chunks.push(chunk);
      } else if (size === chunk.length && size === expected) {
        whole = chunk;
      } else {
        whole ??= alignedBuffer(expected, alignedOffset?.(chunk));
        chunk.copy(whole, size - chunk.length);
      }
    });
    req.on("end", () => {
      if (refused) return;
      if (whole) resolve(size === whole.length ? whole : whole.subarray(0, size));
      else resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    });
    req.on("error", reject);
    req.on("close", () => {
      if (!req.complete && !refused) reject(runtimeError("CH2104", { incomplete: true }));
    });
  });
}
