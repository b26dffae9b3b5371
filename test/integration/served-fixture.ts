import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildChain } from "../../api/build-chain.js";
import { serveChain, type ChainletLogLine, type ServeChainOptions, type ServedChain } from "../../api/serve-chain.js";
import { formatDiagnostics } from "../../compiler/diagnostics.js";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface BuiltChain {
  chainDir: string;
  outDir: string;
  /** Imports the generated client package of one Chainlet. */
  client(chainlet: string): Promise<Record<string, any>>;
  remove(): void;
}

/** `chains build fixtures/<name>/chain.ts` into a fresh temp folder. */
export async function buildFixtureChain(name: string): Promise<BuiltChain> {
  const outDir = mkdtempSync(join(tmpdir(), "tschains-it-"));
  const result = await buildChain(join(repoRoot, "fixtures", name, "chain.ts"), { outDir });
  if (!result.ok) throw new Error(formatDiagnostics(result.diagnostics, { color: false, cwd: repoRoot }));
  return {
    chainDir: result.chainDir,
    outDir,
    client: (chainlet) => import(pathToFileURL(join(result.chainDir, "clients", chainlet, "index.js")).href),
    remove: () => rmSync(outDir, { recursive: true, force: true }),
  };
}

export interface ServedWithLogs extends ServedChain {
  logs: ChainletLogLine[];
}

/** Serves a built chain, collecting every log line of every process. */
export async function serveWithLogs(chainDir: string, options: Omit<ServeChainOptions, "chainDir" | "onLog"> = {}): Promise<ServedWithLogs> {
  const logs: ChainletLogLine[] = [];
  const served = await serveChain({ chainDir, ...options, onLog: (line) => logs.push(line) });
  return Object.assign(served, { logs });
}

/** Polls `condition` every 20 ms for at most `ms`; the caller asserts afterwards. */
export async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; !condition() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
}
