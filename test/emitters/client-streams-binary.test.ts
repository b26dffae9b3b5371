import { rmSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { buildFixture, type BuiltFixture } from "./build-fixture.js";
import { copyOutsideRepo, serveContext, type ServedProcess } from "./served-context.js";

/** Serves every Chainlet of a built chain from copies outside the repo; returns the entrypoint's URL. */
async function serveChain(built: BuiltFixture, servers: ServedProcess[], cleanup: string[]): Promise<string> {
  const urls: Record<string, string> = {};
  // The IR lists Chainlets by name; dependencies first so their URLs exist when wiring callers.
  const order = [...built.ir.chainlets].sort((a, b) => Number(a.isEntrypoint) - Number(b.isEntrypoint));
  for (const chainlet of order) {
    const dir = copyOutsideRepo(join(built.chainDir, "chainlets", chainlet.name));
    cleanup.push(dir);
    const dependencies = Object.fromEntries(chainlet.dependencies.map((name) => [name, urls[name]!]));
    const served = await serveContext(dir, { CHAINS_DEPENDENCIES: JSON.stringify(dependencies) });
    servers.push(served);
    urls[chainlet.name] = served.url;
  }
  return urls[built.ir.entrypoint]!;
}

const importClient = (built: BuiltFixture, chainlet: string) =>
  import(pathToFileURL(join(built.chainDir, "clients", chainlet, "index.js")).href);

describe("generated clients for streams and binary data", () => {
  const cleanup: string[] = [];
  const servers: ServedProcess[] = [];

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
  });

  it("returns a typed AsyncIterable for a streaming Chainlet, item by item in order", async () => {
    const built = await buildFixture("token-stream");
    cleanup.push(built.outDir);
    expect(built.text("clients/shout/index.d.ts")).toContain("runRemote(prompt: string, maxTokens?: number): AsyncIterable<Token>;");
    const url = await serveChain(built, servers, cleanup);
    const { ShoutClient } = await importClient(built, "shout");
    const tokens: { index: number; text: string; final: boolean }[] = [];
    for await (const token of new ShoutClient({ baseUrl: url }).runRemote("hello streaming world", 4)) tokens.push(token);
    expect(tokens.map((token) => token.text)).toEqual(["HELLO", "STREAMING", "WORLD", "OLLEH"]);
    expect(tokens.at(-1)?.final).toBe(true);
  });

  it("sends and revives typed arrays as their own class", async () => {
    const built = await buildFixture("audio-fanout");
    cleanup.push(built.outDir);
    const declarations = built.text("clients/analyze-audio/index.d.ts");
    expect(declarations).toContain("runRemote(audio: Float32Array, sampleRate: number, chunkSec?: number): Promise<AudioReport>;");
    expect(declarations).toMatch(/normalized: Float32Array;/);
    const url = await serveChain(built, servers, cleanup);
    const { AnalyzeAudioClient } = await importClient(built, "analyze-audio");
    const audio = Float32Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? 0.5 : -0.25));
    const report = await new AnalyzeAudioClient({ baseUrl: url }).runRemote(audio, 4);
    expect(report.chunks).toHaveLength(2);
    expect(report.chunks[0].normalized).toBeInstanceOf(Float32Array);
    expect(Array.from(report.chunks[0].normalized)).toEqual([1, -0.5, 1, -0.5]);
  });
});
