import { describe, expect, it } from "vitest";
import { rewriteMapSources } from "../../emitters/map-sources.js";

const decode = (bytes: Uint8Array) => JSON.parse(Buffer.from(bytes).toString("utf8")) as Record<string, unknown>;

describe("rewriteMapSources", () => {
  it("rewrites only the sources, whatever characters the paths and contents hold", () => {
    const map = {
      version: 3,
      sources: ['../a]b/"q".ts', "ünï/cödé].ts", "tschains-virtual:entry"],
      sourcesContent: ['const s = "]"; // ] [', "x", "y"],
      mappings: "AAAA",
      names: [],
    };
    const text = JSON.stringify(map, null, 2);
    const rewritten = decode(rewriteMapSources(Buffer.from(text), (source) => `src/${source}`));
    expect(rewritten).toEqual({ ...map, sources: map.sources.map((source) => `src/${source}`) });
  });

  it("falls back to a full parse when the map has no sources array where expected", () => {
    const text = JSON.stringify({ version: 3, names: [], sources: [], mappings: "" }).replace('"sources":[]', '"sources" : []');
    expect(decode(rewriteMapSources(Buffer.from(text), (source) => source)).sources).toEqual([]);
  });
});
