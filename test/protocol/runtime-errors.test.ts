import { readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { RequestError, runtimeError } from "../../runtime-node/errors/errors.js";
import { statusOf } from "../../runtime-node/errors/error-envelope.js";
import { RUNTIME_ERRORS, type RuntimeErrorCode } from "../../runtime-node/protocol/runtime-errors.js";
import { ROOT, nodes, parse, sourceFiles } from "./source-scan.js";

const codes = Object.keys(RUNTIME_ERRORS) as RuntimeErrorCode[];

/** README table rows whose first cell names runtime codes: the codes and the cells after them. */
function documentedRows(): { codes: string[]; cells: string[] }[] {
  return readFileSync(join(ROOT, "README.md"), "utf8")
    .split("\n")
    .filter((line) => /^\| CH2\d{3}/.test(line))
    .map((line) => {
      const cells = line.split("|").slice(1, -1).map((cell) => cell.trim());
      return { codes: cells[0]!.split("/").map((code) => code.trim()), cells: cells.slice(1) };
    });
}

/** Codes named by a string literal in the runtime, outside the registry. */
function usedCodes(): Set<string> {
  const used = new Set<string>();
  for (const file of sourceFiles(["runtime-node"], [".ts"]).filter((f) => !f.startsWith("runtime-node/protocol/"))) {
    for (const node of nodes(parse(file))) if (ts.isStringLiteral(node) && /^CH2\d{3}$/.test(node.text)) used.add(node.text);
  }
  return used;
}

describe("the runtime error registry", () => {
  it("documents every code exactly once in the README, and nothing the registry lacks", () => {
    const documented = documentedRows().flatMap((row) => row.codes);
    expect(new Set(documented).size).toBe(documented.length);
    expect([...documented].sort()).toEqual([...codes].sort());
  });

  it("answers each code with the status the README's table gives it", () => {
    for (const row of documentedRows()) {
      const statuses = row.cells[0]!.split("/").map((s) => s.trim());
      if (!statuses.every((s) => /^\d{3}$|^—$/.test(s))) continue;
      row.codes.forEach((code, i) => {
        const status = (RUNTIME_ERRORS[code as RuntimeErrorCode] as { status?: number }).status;
        expect(status === undefined ? "—" : String(status), code).toBe(statuses[i] ?? statuses[0]);
      });
    }
  });

  it("has every code thrown somewhere in the runtime", () => {
    const used = usedCodes();
    expect(codes.filter((code) => !used.has(code))).toEqual([]);
  });

  it("builds errors with the registry's status, headers and message", () => {
    const error = runtimeError("CH2107", { method: "DELETE", path: "/x", allowed: ["GET", "HEAD"] });
    expect(error).toBeInstanceOf(RequestError);
    expect(statusOf(error)).toBe(405);
    expect((error as RequestError).headers).toEqual({ allow: "GET, HEAD" });
    expect(error.message).toBe("CH2107: /x accepts GET, HEAD, not DELETE");
    const plain = runtimeError("CH2004", { cycle: "A → B → A" });
    expect(plain).not.toBeInstanceOf(RequestError);
    expect(statusOf(plain)).toBe(500);
  });
});
