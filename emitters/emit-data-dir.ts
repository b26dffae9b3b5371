import { diagnosticMessage } from "../compiler/diagnostic-messages.js";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { ChainletIR } from "../compiler/chain-ir.js";
import { EmitError } from "./emit-error.js";

/** One file of a Chainlet's data folder, by its POSIX path inside that folder. */
export interface DataFile {
  path: string;
  contents: Uint8Array;
  mode: number;
}

/**
 * Reads the Chainlet's `dockerImage.dataDir` (relative to its source file) for copying into the
 * build context as `data/`. Sorted, so the build output does not depend on directory order.
 */
export function readDataDir(chainlet: ChainletIR, projectRoot: string): DataFile[] {
  const dataDir = chainlet.config.dockerImage.dataDir;
  if (dataDir === null) return [];
  const root = resolve(dirname(resolve(projectRoot, chainlet.file)), dataDir);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new EmitError(diagnosticMessage("CH1430", "notAFolder", chainlet.name, dataDir, chainlet.file));
  }
  const files: DataFile[] = [];
  const walk = (dir: string, prefix: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path, `${prefix}${entry.name}/`);
      // Executable bits survive (scripts in data folders); nothing else of the source's mode matters.
      else if (entry.isFile()) files.push({ path: `${prefix}${entry.name}`, contents: readFileSync(path), mode: statSync(path).mode & 0o111 ? 0o755 : 0o644 });
    }
  };
  walk(root, "");
  return files;
}
