/** The bundle of one Chainlet: `server.mjs` and its linked source map `server.mjs.map`, as bytes. */
export interface ChainletBundle {
  code: Uint8Array;
  map: Uint8Array;
}
