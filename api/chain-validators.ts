import { resolve } from "node:path";
import { build } from "esbuild";
import type { ChainIR } from "../compiler/chain-ir.js";
import { loadBuild } from "../diff/load-build.js";
import { createValidatorsEmitter } from "../emitters/emit-validators.js";
import type { ChainSchemas, LocalChainletSchemas } from "../runtime-node/authoring/edge-check.js";
import type { ChainletValidators } from "../runtime-node/server/chainlet-meta.js";

/**
 * The validators `chains build` compiles into each Chainlet's bundle, loaded into this process for
 * `runLocal(Entry, { schemas })`: from a chain's entry file (`chain.ts`, compiled here, with an optional
 * entrypoint class as `chains build` takes it) or from a build (`chain.json`, a chain folder, an output
 * folder). Each Chainlet's ajv standalone module is bundled in memory, as the build does, and imported.
 * Loaded once per path and process: a test file's `beforeAll`, or several test files in one worker, share it.
 */
export function chainValidators(entryOrBuild: string, entrypoint?: string): Promise<ChainSchemas> {
  const key = `${resolve(entryOrBuild)}\u0000${entrypoint ?? ""}`;
  let loaded = cache.get(key);
  if (!loaded) {
    loaded = load(resolve(entryOrBuild), entrypoint);
    cache.set(key, loaded);
    loaded.catch(() => cache.delete(key));
  }
  return loaded;
}

const cache = new Map<string, Promise<ChainSchemas>>();

async function load(path: string, entrypoint: string | undefined): Promise<ChainSchemas> {
  const ir = /\.[cm]?tsx?$/.test(path) ? await compiled(path, entrypoint) : loadBuild(path);
  const emitter = createValidatorsEmitter(ir.chainlets);
  const entries = await Promise.all(
    ir.chainlets.map(async (chainlet): Promise<[string, LocalChainletSchemas]> => {
      const validators = await importModule(emitter.moduleFor(chainlet));
      return [chainlet.name, { parameters: chainlet.runRemote.parameters.map((p) => p.name), validators }];
    }),
  );
  return Object.fromEntries(entries);
}

/** The chain's IR, compiled here; the compiler (ts-morph, seconds to load) is imported only for this. */
async function compiled(entryFile: string, entrypoint: string | undefined): Promise<ChainIR> {
  const [{ compileChain }, { formatDiagnostics }] = await Promise.all([import("../compiler/compile-chain.js"), import("../compiler/diagnostics.js")]);
  const { ir, diagnostics } = compileChain(entryFile, { entrypoint });
  if (!ir) throw new Error(`chainValidators: ${entryFile} does not build:\n${formatDiagnostics(diagnostics, { color: false, cwd: process.cwd() })}`);
  return ir;
}

/** Bundles a generated validators module (inlining ajv's runtime helpers) and imports it from memory. */
async function importModule(source: string): Promise<ChainletValidators> {
  const result = await build({
    stdin: { contents: source, resolveDir: import.meta.dirname, loader: "js", sourcefile: "validators.generated.js" },
    bundle: true,
    write: false,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "silent",
  });
  const code = result.outputFiles[0]!.text;
  return (await import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`)) as ChainletValidators;
}
