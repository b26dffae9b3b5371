import type { ChainIR } from "../compiler/chain-ir.js";

/** One file of the build output, relative to the chain's folder `<out>/<chain>/`. */
export interface EmittedFile {
  /** POSIX path relative to the chain folder. */
  path: string;
  contents: string | Uint8Array;
  /** File mode; 0o644 when absent. */
  mode?: number;
}

export interface EmitOptions {
  /** Absolute path of `<out>/<chain>/`; `ir.projectRoot` is relative to it. */
  chainDir: string;
}

/** Every artifact of the chain except `chain.json`, which the build writes from the IR itself. */
export async function emitChain(ir: ChainIR, _options: EmitOptions): Promise<EmittedFile[]> {
  const files: EmittedFile[] = [];
  for (const chainlet of ir.chainlets) {
    const base = `chainlets/${chainlet.name}/schemas`;
    files.push({ path: `${base}/input.schema.json`, contents: stableJson(chainlet.schemas.input) });
    files.push({ path: `${base}/output.schema.json`, contents: stableJson(chainlet.schemas.output) });
  }
  return files;
}

/** Pretty JSON with a trailing newline; key order is the producer's, which the compiler keeps stable. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + "\n";
}
