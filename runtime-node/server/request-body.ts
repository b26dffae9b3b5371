import type { IncomingMessage } from "node:http";
import { alignedBuffer, joinedBody } from "../wire/aligned-body.js";
import { asNodeBuffer } from "../wire/bytes.js";
import { runtimeError } from "../errors/errors.js";

/**
 * How much of a refused body is read and dropped before the 413 is answered and the connection
 * closed, and for how long at most (as nginx's lingering close): a client still writing its body when
 * the connection closes gets a reset instead of the answer. Past either bound the connection closes.
 */
export const DISCARD_LIMIT_BYTES = 64 * 1024 * 1024;
export const DISCARD_TIMEOUT_MS = 5_000;

/** Rejects with `error` once the rest of `req` was read and dropped (within the discard bounds). */
function discardThenReject(req: IncomingMessage, error: Error): Promise<never> {
  return new Promise((_, reject) => {
    let discarded = 0;
    const done = () => {
      clearTimeout(timer);
      req.off("data", count);
      reject(error);
    };
    const count = (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > DISCARD_LIMIT_BYTES) done();
    };
    const timer = setTimeout(done, DISCARD_TIMEOUT_MS);
    if (req.readableEnded) return done();
    req.on("data", count);
    req.once("end", done);
    req.once("error", done);
    req.once("close", done);
    req.resume();
  });
}

const tooLarge = (limit: number) => runtimeError("CH2103", { limit });

/**
 * The whole request body, or a 413 `RequestError` once it passes `limit` bytes (checked against
 * Content-Length first, so an oversized upload is never kept). The rest of a refused body is read and
 * dropped (bounded) before the 413 is answered, so the client reads the 413 instead of a reset.
 * `alignedOffset` may name, from the first chunk, an offset of the body to place 8-byte aligned in
 * memory (so a decoder can view typed arrays in place instead of copying them).
 */
export function readBody(req: IncomingMessage, limit: number, alignedOffset?: (head: Uint8Array) => number | undefined): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return discardThenReject(req, tooLarge(limit));
  const body = new BodyCollector(limit, Number.isFinite(declared) && declared > 0 ? declared : undefined, alignedOffset);
  return new Promise((resolve, reject) => {
    req.on("data", (chunk: Buffer) => {
      if (!body.refused && !body.add(chunk)) discardThenReject(req, tooLarge(limit)).catch(reject);
    });
    req.on("end", () => {
      if (!body.refused) resolve(body.bytes());
    });
    req.on("error", reject);
    req.on("close", () => {
      if (!req.complete && !body.refused) reject(runtimeError("CH2104", { incomplete: true }));
    });
  });
}

/**
 * The chunks of one body. With a Content-Length (Node's parser never delivers more), the body is
 * copied into one buffer of that size as it arrives, so each chunk can be collected at once and
 * nothing is copied again at the end; a body that arrives as one chunk is used as it is. Without a
 * length (chunked), the chunks are joined once at the end, placed for `alignedOffset` as well.
 */
class BodyCollector {
  private chunks: Buffer[] = [];
  private whole: Uint8Array | undefined;
  private size = 0;
  /** Set once the body passed the limit: what came is dropped, the rest is drained unread. */
  refused = false;

  constructor(
    private readonly limit: number,
    private readonly expected: number | undefined,
    private readonly alignedOffset: ((head: Uint8Array) => number | undefined) | undefined,
  ) {}

  /** Takes a chunk; false when it takes the body past the limit. */
  add(chunk: Buffer): boolean {
    this.size += chunk.length;
    if (this.size > this.limit) {
      this.refused = true;
      this.chunks = [];
      this.whole = undefined;
      return false;
    }
    if (this.expected === undefined) this.chunks.push(chunk);
    else if (this.size === chunk.length && this.size === this.expected) this.whole = chunk;
    else {
      this.whole ??= alignedBuffer(this.expected, this.alignedOffset?.(chunk));
      this.whole.set(chunk, this.size - chunk.length);
    }
    return true;
  }

  bytes(): Buffer {
    if (this.whole) return asNodeBuffer(this.size === this.whole.length ? this.whole : this.whole.subarray(0, this.size));
    return asNodeBuffer(joinedBody(this.chunks, this.size, this.alignedOffset));
  }
}
