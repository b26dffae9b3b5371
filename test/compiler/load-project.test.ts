import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compileChain } from "../../compiler/compile-chain.js";
import { irForChainDir } from "../../api/ir-for-chain-dir.js";

/** A project outside this repository: no tsconfig.json above it and no tschains installed. */
const outside = mkdtempSync(join(tmpdir(), "tschains-outside-"));
afterAll(() => rmSync(outside, { recursive: true, force: true }));

const chainSource = (runRemote: string) =>
  ['import { ChainletBase, entrypoint } from "tschains";', "", "@entrypoint", "export class Solo extends ChainletBase {", `  ${runRemote}`, "}", ""].join("\n");

describe("loading a chain's program", () => {
  it("compiles a chain without tsconfig.json against this installation's runtime, with strict defaults", () => {
    const dir = join(outside, "plain");
    mkdirSync(dir);
    writeFileSync(join(dir, "chain.ts"), chainSource("runRemote(text: string): string { return text; }"));
    const { ir, diagnostics } = compileChain(join(dir, "chain.ts"));
    expect(diagnostics).toEqual([]);
    expect(ir?.name).toBe("solo");
    expect(irForChainDir(ir!, join(dir, "dist", ir!.name)).projectRoot).toBe("../..");
    expect(ir?.entryFile).toBe("chain.ts");
  });

  it("applies strict mode when there is no tsconfig.json: an implicit any is a TS7006 error", () => {
    const dir = join(outside, "implicit-any");
    mkdirSync(dir);
    writeFileSync(
      join(dir, "chain.ts"),
      chainSource("runRemote(text: string): string { return [text].map((x) => x).reduce((a, b) => a + b, ''); }\n  helper(value) { return value; }"),
    );
    const { ir, diagnostics } = compileChain(join(dir, "chain.ts"));
    expect(ir).toBeNull();
    expect(diagnostics.map((d) => [d.code, d.line])).toEqual([["TS7006", 6]]);
  });

  it("uses the nearest tsconfig.json's options but never its other files", () => {
    const dir = join(outside, "with-tsconfig");
    mkdirSync(join(dir, "src"), { recursive: true });
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: false, target: "ES2022", module: "NodeNext" }, include: ["src"] }));
    writeFileSync(join(dir, "src", "chain.ts"), chainSource("runRemote(text: string): string { return text; }\n  helper(value) { return value; }"));
    writeFileSync(join(dir, "src", "unrelated.ts"), "export const broken: number = 'nope';\n");
    const { ir, diagnostics } = compileChain(join(dir, "src", "chain.ts"));
    expect(diagnostics).toEqual([]);
    expect(ir?.entryFile).toBe("src/chain.ts");
  });

  it("reports an unreadable tsconfig.json as CH1019 instead of crashing", () => {
    const dir = join(outside, "bad-tsconfig");
    mkdirSync(dir);
    writeFileSync(join(dir, "tsconfig.json"), '{ "compilerOptions": { "strict": tru');
    writeFileSync(join(dir, "chain.ts"), chainSource("runRemote(text: string): string { return text; }"));
    const { ir, diagnostics } = compileChain(join(dir, "chain.ts"));
    expect(ir).toBeNull();
    expect(diagnostics).toEqual([{ code: "CH1019", category: "error", message: expect.stringContaining(`Cannot use ${join(dir, "tsconfig.json")}:`) }]);
  });
});
