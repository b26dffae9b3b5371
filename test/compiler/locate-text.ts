import { readFileSync } from "node:fs";

/** Where `text` first occurs in `file`, 1-based like diagnostics, so tests name a location by its source text. */
export function locateText(file: string, text: string): { line: number; column: number } {
  const source = readFileSync(file, "utf8");
  const offset = source.indexOf(text);
  if (offset < 0) throw new Error(`${file} does not contain ${JSON.stringify(text)}`);
  const before = source.slice(0, offset).split("\n");
  return { line: before.length, column: before.at(-1)!.length + 1 };
}
