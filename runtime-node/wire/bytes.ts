/**
 * Byte arrays for the wire code the generated client shares with the served runtime: plain
 * `Uint8Array`s, so that it runs where there is no `Buffer` (browsers), and Node's `Buffer` where
 * there is one (uninitialised memory, and the class msgpackr writes as `bin`).
 */

// Read from globalThis, not named: a browser has no Buffer, and a bundle for it must not need one.
const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;

/** True for a Node `Buffer` (never in a browser). */
export function isNodeBuffer(value: unknown): boolean {
  return NodeBuffer !== undefined && value instanceof NodeBuffer;
}

/**
 * `size` bytes of fresh memory in an `ArrayBuffer` of its own, starting at its offset 0 (a Node
 * Buffer's pool slices start anywhere); not zeroed in Node, where every byte is written before use.
 */
export function allocBytes(size: number): Uint8Array {
  return NodeBuffer ? NodeBuffer.allocUnsafeSlow(size) : new Uint8Array(size);
}

/**
 * `size` bytes of fresh memory, not zeroed in Node, where a small size is a slice of Node's shared pool:
 * no `ArrayBuffer` of its own per small body, which costs an allocation outside the heap and work in
 * every scavenge while it lives (a hop's answers and bodies are mostly small).
 */
export function allocPooledBytes(size: number): Uint8Array {
  return NodeBuffer ? NodeBuffer.allocUnsafe(size) : new Uint8Array(size);
}

/** `parts` copied one after the other into fresh memory of their total `size` (summed when not given). */
export function concatBytes(parts: readonly Uint8Array[], size = parts.reduce((sum, part) => sum + part.length, 0)): Uint8Array {
  const whole = allocPooledBytes(size);
  let at = 0;
  for (const part of parts) {
    whole.set(part, at);
    at += part.length;
  }
  return whole;
}

/** `bytes` as a Node `Buffer` over the same memory (Node only: the server's and transport's readers). */
export function asNodeBuffer(bytes: Uint8Array): Buffer {
  return isNodeBuffer(bytes) ? (bytes as Buffer) : NodeBuffer!.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
