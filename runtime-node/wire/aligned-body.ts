/**
 * `size` bytes of fresh memory, placed so that `aligned` (an offset into them) is 8-byte aligned when
 * given: a decoder can then view a typed array that starts there instead of copying it.
 */
export function alignedBuffer(size: number, aligned: number | undefined): Buffer {
  if (aligned === undefined) return Buffer.allocUnsafe(size);
  const shift = (8 - (aligned % 8)) % 8;
  // allocUnsafeSlow: an ArrayBuffer of its own, starting at offset 0 (pool slices start anywhere).
  return Buffer.allocUnsafeSlow(size + shift).subarray(shift);
}

/** What a bounded read does past its limit: throw `tooLarge()` (which also stops the reading). */
export interface BodyLimit {
  maxBytes: number;
  tooLarge: () => Error;
}

/**
 * A body read whole from its chunks. With a declared length, the chunks are copied as they arrive
 * into one buffer of that size placed for `alignedOffset` (asked with the first chunk); otherwise
 * they are concatenated at the end. A declared length past `limit` is refused before any byte is
 * read, a body that grows past it as soon as it does.
 */
export async function readWholeBody(
  chunks: AsyncIterable<Buffer>,
  declared: number | undefined,
  alignedOffset?: (head: Buffer) => number | undefined,
  limit?: BodyLimit,
): Promise<Buffer> {
  const maxBytes = limit?.maxBytes ?? Number.POSITIVE_INFINITY;
  if (declared !== undefined && declared > maxBytes) throw limit!.tooLarge();
  const parts: Buffer[] = [];
  let whole: Buffer | undefined;
  let size = 0;
  for await (const chunk of chunks) {
    if (size + chunk.length > maxBytes) throw limit!.tooLarge();
    if (declared !== undefined && size + chunk.length <= declared) {
      whole ??= alignedBuffer(declared, alignedOffset?.(chunk));
      chunk.copy(whole, size);
    } else {
      // No length, or more bytes than declared: keep everything and let the decoder judge it.
      if (whole) parts.push(whole.subarray(0, size));
      whole = undefined;
      declared = undefined;
      parts.push(chunk);
    }
    size += chunk.length;
  }
  if (whole) return size === whole.length ? whole : whole.subarray(0, size);
  return parts.length === 1 ? parts[0] : Buffer.concat(parts, size);
}
