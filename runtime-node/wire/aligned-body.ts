import { allocBytes, allocPooledBytes, asNodeBuffer } from "./bytes.js";

/**
 * `size` bytes of fresh memory, placed so that `aligned` (an offset into them) is 8-byte aligned when
 * given: a decoder can then view a typed array that starts there instead of copying it.
 */
export function alignedBuffer(size: number, aligned: number | undefined): Uint8Array {
  if (aligned === undefined) return allocPooledBytes(size);
  const shift = (8 - (aligned % 8)) % 8;
  return allocBytes(size + shift).subarray(shift);
}

/**
 * `parts` (`size` bytes in all) as one buffer. Several parts are copied once into memory placed for
 * `alignedOffset` (asked with the first part), as a body of known length is: a body sent without a
 * length (chunked) then decodes its large typed arrays as views too, instead of being concatenated
 * anywhere and copied again by the decoder. One part is used as it is.
 */
export function joinedBody(parts: readonly Uint8Array[], size: number, alignedOffset?: (head: Uint8Array) => number | undefined): Uint8Array {
  if (parts.length === 0) return new Uint8Array(0);
  if (parts.length === 1) return parts[0]!;
  const whole = alignedBuffer(size, alignedOffset?.(parts[0]!));
  let at = 0;
  for (const part of parts) {
    whole.set(part, at);
    at += part.length;
  }
  return whole;
}

/** What a bounded read does past its limit: throw `tooLarge()` (which also stops the reading). */
export interface BodyLimit {
  maxBytes: number;
  tooLarge: () => Error;
}

/**
 * A body collected whole from its chunks as they arrive. With a declared length, the chunks are
 * copied into one buffer of that size placed for `alignedOffset` (asked with the first chunk);
 * otherwise they are joined at the end, placed the same way ({@link joinedBody}). A declared length past `limit` is refused before any
 * byte is taken (the constructor throws), a body that grows past it as soon as it does (`add` throws).
 */
export class WholeBody {
  private readonly parts: Uint8Array[] = [];
  private whole: Uint8Array | undefined;
  private readonly maxBytes: number;
  /** Bytes taken so far. */
  size = 0;

  constructor(
    private declared: number | undefined,
    private readonly alignedOffset?: (head: Uint8Array) => number | undefined,
    private readonly limit?: BodyLimit,
  ) {
    this.maxBytes = limit?.maxBytes ?? Number.POSITIVE_INFINITY;
    if (declared !== undefined && declared > this.maxBytes) throw limit!.tooLarge();
  }

  add(chunk: Uint8Array): void {
    const { size, declared } = this;
    if (size + chunk.length > this.maxBytes) throw this.limit!.tooLarge();
    if (declared !== undefined && size + chunk.length <= declared) {
      this.whole ??= alignedBuffer(declared, this.alignedOffset?.(chunk));
      this.whole.set(chunk, size);
    } else {
      // No length, or more bytes than declared: keep everything and let the decoder judge it.
      if (this.whole) this.parts.push(this.whole.subarray(0, size));
      this.whole = undefined;
      this.declared = undefined;
      this.parts.push(chunk);
    }
    this.size = size + chunk.length;
  }

  bytes(): Uint8Array {
    const { whole, parts, size } = this;
    if (whole) return size === whole.length ? whole : whole.subarray(0, size);
    return joinedBody(parts, size, this.alignedOffset);
  }
}

/** A body read whole from an iterable of its chunks, as {@link WholeBody} collects it (Node: a `Buffer`). */
export async function readWholeBody(
  chunks: AsyncIterable<Uint8Array>,
  declared: number | undefined,
  alignedOffset?: (head: Uint8Array) => number | undefined,
  limit?: BodyLimit,
): Promise<Buffer> {
  const body = new WholeBody(declared, alignedOffset, limit);
  for await (const chunk of chunks) body.add(chunk);
  return asNodeBuffer(body.bytes());
}
