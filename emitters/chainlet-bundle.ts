/**
 * The bundle of one Chainlet: `server.mjs` and its linked source map `server.mjs.map`, as bytes, with their
 * SHA-256s, hashed once: a rebuild that reuses the bundle (`EmitCache`) does not hash its bytes again
 * for the build id.
 */
export interface ChainletBundle {
  code: Uint8Array;
  map: Uint8Array;
  codeDigest: string;
  mapDigest: string;
}
