/**
 * Reading a fetch `Response` body within a bound, for the generated client: no `Buffer`, only the
 * stream reader, and the reading stops (cancelling the body) as soon as the bound is passed.
 */

/** The chunks of a response body; stopping early cancels the request, on every hop behind it. */
export async function* bodyChunks(response: Response): AsyncGenerator<Uint8Array> {
  if (!response.body) return;
  const reader = response.body.getReader();
  try {
    for (let read = await reader.read(); !read.done; read = await reader.read()) yield read.value;
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/**
 * A body read up to `maxBytes`: its bytes, and whether that was all of it. A body announcing more
 * (Content-Length) is not read at all.
 */
export async function readUpTo(response: Response, maxBytes: number): Promise<{ bytes: Uint8Array; whole: boolean }> {
  if (Number(response.headers.get("content-length")) > maxBytes) {
    await response.body?.cancel().catch(() => {});
    return { bytes: new Uint8Array(0), whole: false };
  }
  const parts: Uint8Array[] = [];
  let size = 0;
  let whole = true;
  for await (const chunk of bodyChunks(response)) {
    parts.push(chunk);
    size += chunk.length;
    if (size > maxBytes) {
      whole = false;
      break;
    }
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return { bytes, whole };
}
