/**
 * Splits a stream body into its frames: ndjson lines, or MessagePack values each behind a 4-byte
 * big-endian length. Only `Uint8Array` is used, so the served transport and the generated client (which
 * runs where there is no `Buffer`) split streams with this same code. Bytes are kept as the chunks they
 * came in and joined once per frame, so a long frame costs linear time.
 */

/**
 * A stream frame longer than the reader's limit: the reading stops there (nothing more is buffered).
 * Plain `Error` (no runtime codes) because the generated client shares this module; each reader maps it.
 */
export class FrameTooLargeError extends Error {
  override name = "FrameTooLargeError";
  constructor(readonly limit: number) {
    super(`a stream frame is larger than ${limit} bytes`);
  }
}

/** The pending bytes of a stream: the chunks not yet consumed. */
class ChunkQueue {
  private readonly chunks: Uint8Array[] = [];
  /** Bytes of the first chunk already consumed. */
  private head = 0;
  length = 0;

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** Removes and returns the first `count` bytes (a view when they lie in one chunk). */
  take(count: number): Uint8Array {
    const first = this.chunks[0];
    if (first && first.length - this.head >= count) {
      const out = first.subarray(this.head, this.head + count);
      this.consume(count);
      return out;
    }
    const out = new Uint8Array(count);
    for (let filled = 0, index = 0, offset = this.head; filled < count; index++, offset = 0) {
      const chunk = this.chunks[index]!;
      const part = chunk.subarray(offset, offset + Math.min(count - filled, chunk.length - offset));
      out.set(part, filled);
      filled += part.length;
    }
    this.consume(count);
    return out;
  }

  /** The 4-byte big-endian length at the front, not consumed (the queue holds at least 4 bytes). */
  peekLength(): number {
    let value = 0;
    for (let read = 0, index = 0, offset = this.head; read < 4; ) {
      const chunk = this.chunks[index]!;
      if (offset >= chunk.length) {
        index++;
        offset = 0;
        continue;
      }
      value = value * 256 + chunk[offset++]!;
      read++;
    }
    return value;
  }

  private consume(count: number): void {
    this.head += count;
    this.length -= count;
    let done = 0;
    while (done < this.chunks.length && this.head >= this.chunks[done]!.length) this.head -= this.chunks[done++]!.length;
    // One splice per take, not a shift per chunk: a frame of many tiny chunks stays linear.
    if (done > 0) this.chunks.splice(0, done);
  }
}

const NEWLINE = 10;
/** Space, tab, CR, LF: a last line of only these is no item. */
const WHITESPACE = new Set([32, 9, 13, 10]);

/** Lines of an ndjson stream (empty ones left out), each without its newline. */
async function* ndjsonLines(chunks: AsyncIterable<Uint8Array>, maxFrameBytes: number): AsyncGenerator<Uint8Array> {
  const queue = new ChunkQueue();
  for await (const chunk of chunks) {
    // Only the new chunk is searched: the pending bytes hold no newline.
    let from = 0;
    for (let nl = chunk.indexOf(NEWLINE, from); nl !== -1; nl = chunk.indexOf(NEWLINE, from)) {
      if (queue.length + nl - from > maxFrameBytes) throw new FrameTooLargeError(maxFrameBytes);
      queue.push(chunk.subarray(from, nl));
      const line = queue.take(queue.length);
      from = nl + 1;
      if (line.length > 0) yield line;
    }
    queue.push(chunk.subarray(from));
    if (queue.length > maxFrameBytes) throw new FrameTooLargeError(maxFrameBytes);
  }
  const last = queue.take(queue.length);
  if (last.some((byte) => !WHITESPACE.has(byte))) yield last;
}

/** Payloads of a length-prefixed MessagePack stream; throws when it ends inside a frame. */
async function* msgpackPayloads(chunks: AsyncIterable<Uint8Array>, maxFrameBytes: number): AsyncGenerator<Uint8Array> {
  const queue = new ChunkQueue();
  for await (const chunk of chunks) {
    queue.push(chunk);
    while (queue.length >= 4) {
      const size = queue.peekLength();
      // Refused on its announced length, before any of it is buffered.
      if (size > maxFrameBytes) throw new FrameTooLargeError(maxFrameBytes);
      if (queue.length - 4 < size) break;
      queue.take(4);
      yield queue.take(size);
    }
  }
  if (queue.length > 0) throw new Error("stream ended inside a MessagePack frame");
}

/**
 * The frames of a stream body of `format`, from chunks that split frames anywhere; a frame longer than
 * `maxFrameBytes` throws `FrameTooLargeError` as soon as that many bytes of it are pending.
 */
export function splitFrames(format: "json" | "msgpack", chunks: AsyncIterable<Uint8Array>, maxFrameBytes = Number.POSITIVE_INFINITY): AsyncGenerator<Uint8Array> {
  return format === "json" ? ndjsonLines(chunks, maxFrameBytes) : msgpackPayloads(chunks, maxFrameBytes);
}
