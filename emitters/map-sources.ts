const SOURCES_KEY = Buffer.from('"sources":');

/**
 * Rewrites the `sources` of a source map given as bytes, without parsing the rest of it: a Chainlet's
 * map is megabytes of `sourcesContent` and `mappings`, its `sources` a short array near the start, so
 * only that array is decoded and replaced. Falls back to a full parse if the array is not found.
 */
export function rewriteMapSources(map: Uint8Array, rewrite: (source: string) => string): Uint8Array {
  const bytes = Buffer.from(map.buffer, map.byteOffset, map.byteLength);
  const key = bytes.indexOf(SOURCES_KEY);
  const start = key < 0 ? -1 : bytes.indexOf("[", key + SOURCES_KEY.length);
  const end = start < 0 ? -1 : closingBracket(bytes, start);
  if (end < 0) {
    const parsed = JSON.parse(bytes.toString("utf8")) as { sources: string[] };
    parsed.sources = parsed.sources.map(rewrite);
    return Buffer.from(JSON.stringify(parsed));
  }
  const sources = JSON.parse(bytes.toString("utf8", start, end + 1)) as string[];
  return Buffer.concat([bytes.subarray(0, start), Buffer.from(JSON.stringify(sources.map(rewrite))), bytes.subarray(end + 1)]);
}

/**
 * Index of the `]` closing the JSON array opening at `open`, skipping string contents. Byte-wise is
 * safe in UTF-8: `"`, `\` and `]` never occur inside a multi-byte character.
 */
function closingBracket(bytes: Buffer, open: number): number {
  let inString = false;
  for (let i = open + 1; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === 0x5c) i++;
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) {
      inString = true;
    } else if (byte === 0x5d) {
      return i;
    }
  }
  return -1;
}
