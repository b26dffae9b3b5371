import ts from "typescript";
import { describe, expect, it } from "vitest";
import { nodes, parse, sourceFiles } from "./source-scan.js";

const LIMIT = 40;

/** Lines of every function-like node of the runtime (a nested function counts in its parent too). */
function functionLengths(file: string): { where: string; lines: number }[] {
  const source = parse(file);
  const out: { where: string; lines: number }[] = [];
  for (const node of nodes(source)) {
    if (!ts.isFunctionLike(node) || !("body" in node) || !node.body) continue;
    const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
    const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
    const name = node.name && ts.isIdentifier(node.name) ? node.name.text : "(anonymous)";
    out.push({ where: `${file}:${start + 1} ${name}`, lines: end - start + 1 });
  }
  return out;
}

describe("runtime-node stays made of small functions", () => {
  it(`has no function longer than ${LIMIT} lines`, () => {
    const all = sourceFiles(["runtime-node"], [".ts"]).flatMap(functionLengths);
    expect(all.length).toBeGreaterThan(100);
    expect(all.filter((f) => f.lines >= LIMIT).map((f) => `${f.where}: ${f.lines} lines`)).toEqual([]);
  });
});
