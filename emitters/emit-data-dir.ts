import { lstatSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { diagnosticMessage } from "../compiler/diagnostic-messages.js";
import type { ChainletIR } from "../compiler/chain-ir.js";
import { dataDirPath, dataDirProblem } from "../compiler/data-dir-location.js";
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
 *
 * The folder must resolve, after following symbolic links, to a folder strictly inside the project root
 * (CH1450), and may contain only folders and regular files (CH1451): a link inside it would copy whatever
 * it points at, and a silently skipped one would make the image differ from the source tree.
 */
export function readDataDir(chainlet: ChainletIR, projectRoot: string): DataFile[] {
  const dataDir = chainlet.config.dockerImage.dataDir;
  if (dataDir === null) return [];
  const source = resolve(projectRoot, chainlet.file);
  const problem = dataDirProblem(chainlet.name, source, dataDir, chainlet.file);
  if (problem) throw new EmitError(problem);
  const real = realpathSync(dataDirPath(source, dataDir));
  const inside = relative(realpathSync(projectRoot), real);
  if (inside === "" || inside.startsWith("..") || isAbsolute(inside)) {
    throw new EmitError(diagnosticMessage("CH1450", "outsideProject", chainlet.name, dataDir, real, projectRoot));
  }
  const files: DataFile[] = [];
  const walk = (dir: string, prefix: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path, `${prefix}${entry.name}/`);
      // Executable bits survive (scripts in data folders); nothing else of the source's mode matters.
      else if (entry.isFile()) files.push({ path: `${prefix}${entry.name}`, contents: readFileSync(path), mode: lstatSync(path).mode & 0o111 ? 0o755 : 0o644 });
      else {
        const kind = entry.isSymbolicLink() ? "a symbolic link" : "neither a file nor a folder";
        throw new EmitError(diagnosticMessage("CH1451", "notPlain", chainlet.name, dataDir, `${prefix}${entry.name}`, kind));
      }
    }
  };
  walk(real, "");
  return files;
}
