import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** What a registry of codes must satisfy against the sources that use it and the README that documents it. */
export interface RegistryProblems {
  /** Codes of the registry no source file names. */
  unused: string[];
  /** Codes of the registry no README table row lists. */
  undocumented: string[];
  /** Codes a README table row lists that the registry does not define. */
  unknown: string[];
  /** Codes a README table lists more than once. */
  documentedTwice: string[];
}

/** Every `.ts` file under `dirs` (absolute), except `exclude`. */
function sourceFiles(dirs: readonly string[], exclude: string): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".ts") && path !== exclude) files.push(path);
    }
  };
  dirs.forEach(walk);
  return files;
}

/**
 * Checks `codes` (the keys of the registry in `registryFile`) against the quoted code literals in the
 * sources under `dirs` and the `| CODE |` rows of the README whose code matches `range`.
 */
export function checkRegistry(options: { codes: readonly string[]; registryFile: string; dirs: readonly string[]; readme: string; range: RegExp }): RegistryProblems {
  const used = new Set<string>();
  for (const file of sourceFiles(options.dirs, options.registryFile)) {
    for (const match of readFileSync(file, "utf8").matchAll(/["'`](CH\d{4})["'`]/g)) used.add(match[1]!);
  }
  const rows = [...options.readme.matchAll(/^\| (CH\d{4}) \|/gm)].map((match) => match[1]!).filter((code) => options.range.test(code));
  const documented = new Set(rows);
  const defined = new Set(options.codes);
  return {
    unused: options.codes.filter((code) => !used.has(code)),
    undocumented: options.codes.filter((code) => !documented.has(code)),
    unknown: [...documented].filter((code) => !defined.has(code)),
    documentedTwice: rows.filter((code, index) => rows.indexOf(code) !== index),
  };
}
