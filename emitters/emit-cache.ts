import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BuildContext, BuildResult } from "esbuild";
import type { ChainIR, ChainletIR } from "../compiler/chain-ir.js";
import type { ChainletBundle } from "./chainlet-bundle.js";
import type { ClientFile } from "./emit-client.js";
import type { PrintedYaml } from "./deploy/print-yaml.js";
import type { ValidatorSource } from "./emit-validators.js";
import { validatorCodeKey, type ValidatorCode } from "./validator-code.js";

/** What one Chainlet's bundle was built from, to tell whether building it again would change it. */
export interface BundleInputs {
  /** Hash of the generated inputs: the Chainlet's meta, its validators module, its externals. */
  generated: string;
  /** Every file esbuild read into the bundle and the hash of the text it was given for it. */
  files: { path: string; hash: string }[];
}

/**
 * What one process keeps between builds of the same chain (`chains serve --watch`), so a rebuild
 * re-emits only what its inputs changed: the validator code of the last set of schemas (ajv's standalone
 * compilation is the slow part of emitting validators), each Chainlet's last bundle with the inputs
 * it was built from, its client package, and the Kubernetes manifests' YAML texts. Reusing a bundle is exact, never a guess: a Chainlet is bundled again unless its
 * generated inputs and every file of its last bundle (as given to esbuild, after rewriting) hash the same.
 */
export class EmitCache {
  private validatorsKey = "";
  private validators: Promise<ValidatorCode> | undefined;
  private readonly bundles = new Map<string, { inputs: BundleInputs; bundle: ChainletBundle }>();
  private readonly fileHashes = new Map<string, { mtimeMs: number; size: number; hash: string }>();
  private readonly bundlers = new Map<string, KeptBundler>();
  private readonly clients = new Map<string, { key: string; files: ClientFile[] }>();
  /** The Kubernetes manifests' YAML texts (see `emitKubernetes`). */
  readonly printedYaml: PrintedYaml = new Map();

  /**
   * An esbuild context kept for one set of Chainlets bundled together, with its own scratch folder:
   * a rebuild re-parses only the files whose contents changed (the runtime and libraries, most of a
   * bundle, stay parsed). `create` gets the folder and a getter of the value the latest `run` was given,
   * which the context's plugins read. At most {@link MAX_BUNDLERS} are kept, the least recently used go.
   */
  bundler<T>(key: string, create: (outDir: string, current: () => T) => Promise<BuildContext>): { outDir: string; run(value: T): Promise<BuildResult> } {
    let kept = this.bundlers.get(key) as KeptBundler<T> | undefined;
    if (kept) this.bundlers.delete(key);
    else kept = { outDir: mkdtempSync(join(tmpdir(), "tschains-bundle-")), value: undefined as T, context: undefined };
    this.bundlers.set(key, kept as KeptBundler);
    for (const [oldKey, old] of this.bundlers) {
      if (this.bundlers.size <= MAX_BUNDLERS) break;
      this.bundlers.delete(oldKey);
      void disposeBundler(old);
    }
    const current = kept;
    return {
      outDir: current.outDir,
      run: async (value) => {
        current.value = value;
        // Created on first use: esbuild runs the plugins' setup at once, and they read the value.
        current.context ??= create(current.outDir, () => current.value);
        return (await current.context).rebuild();
      },
    };
  }

  /** Ends the kept esbuild contexts and removes their scratch folders. */
  async dispose(): Promise<void> {
    const all = [...this.bundlers.values()];
    this.bundlers.clear();
    await Promise.all(all.map(disposeBundler));
  }

  /**
   * The validator code of `chainlets`: the last one while no schema, name or edge changed, else what
   * `generate` makes (a failed generation is not kept).
   */
  validatorCode(chainlets: readonly ValidatorSource[], generate: (chainlets: readonly ValidatorSource[]) => Promise<ValidatorCode>): Promise<ValidatorCode> {
    const key = hashText(validatorCodeKey(chainlets));
    if (key !== this.validatorsKey || !this.validators) {
      const generated = generate(chainlets);
      this.validatorsKey = key;
      this.validators = generated;
      generated.catch(() => {
        if (this.validators === generated) this.validators = undefined;
      });
    }
    return this.validators;
  }

  /**
   * The client package of every Chainlet of `ir`, by name: for each, the last one while the chain's
   * names and the Chainlet's IR (its build id aside, which does not reach the client) are the same;
   * `emit` makes the others.
   */
  async clientFiles(ir: ChainIR, emit: (chainlets: ChainletIR[]) => Promise<Map<string, ClientFile[]>>): Promise<Map<string, ClientFile[]>> {
    const keys = new Map(ir.chainlets.map((chainlet) => [chainlet.name, hashText(JSON.stringify([ir.name, ir.displayName, { ...chainlet, buildId: undefined }]))]));
    const stale = ir.chainlets.filter((chainlet) => this.clients.get(chainlet.name)?.key !== keys.get(chainlet.name));
    for (const [name, files] of await emit(stale)) this.clients.set(name, { key: keys.get(name)!, files });
    return new Map(ir.chainlets.map((chainlet) => [chainlet.name, this.clients.get(chainlet.name)!.files]));
  }

  /** The last bundle of `chainlet`, if `generated` and `hashOf` (current hash of a file it read) say it would not change. */
  reusableBundle(chainlet: string, generated: string, hashOf: (path: string) => string | undefined): ChainletBundle | undefined {
    const last = this.bundles.get(chainlet);
    if (!last || last.inputs.generated !== generated) return undefined;
    return last.inputs.files.every((file) => hashOf(file.path) === file.hash) ? last.bundle : undefined;
  }

  rememberBundle(chainlet: string, inputs: BundleInputs, bundle: ChainletBundle): void {
    this.bundles.set(chainlet, { inputs, bundle });
  }

  /** SHA-256 of a file on disk, re-read only when its size or mtime changed; undefined if it is gone. */
  fileHash(path: string): string | undefined {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      return undefined;
    }
    const known = this.fileHashes.get(path);
    if (known && known.mtimeMs === stat.mtimeMs && known.size === stat.size) return known.hash;
    const hash = hashText(readFileSync(path));
    this.fileHashes.set(path, { mtimeMs: stat.mtimeMs, size: stat.size, hash });
    return hash;
  }
}

const MAX_BUNDLERS = 8;

interface KeptBundler<T = unknown> {
  outDir: string;
  value: T;
  context: Promise<BuildContext> | undefined;
}

async function disposeBundler(kept: KeptBundler): Promise<void> {
  await (await kept.context?.catch(() => undefined))?.dispose();
  rmSync(kept.outDir, { recursive: true, force: true });
}

export function hashText(text: string | Uint8Array): string {
  return createHash("sha256").update(text).digest("hex");
}
