import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildChain, type BuildResult } from "../../api/build-chain.js";
import { EmitCache } from "../../emitters/emit-cache.js";
import { repoRoot } from "../emitters/build-fixture.js";

/** The options `compiler/load-project.ts` uses when no tsconfig.json is found. */
const SAME_AS_DEFAULTS = { strict: true, target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", esModuleInterop: true, skipLibCheck: true, noEmit: true };

/** A build's diagnostics with each file relative to the chain's source folder, so two copies compare equal. */
function comparable(result: BuildResult, srcDir: string): unknown[] {
  return result.diagnostics.map(({ sourceText: _text, ...diagnostic }) => ({ ...diagnostic, file: diagnostic.file && relative(srcDir, diagnostic.file) }));
}

/** Every file under `dir`, by its path relative to it. */
function tree(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(dir, path), readFileSync(path));
  }
  return files;
}

/**
 * Rebuilds of a temp copy of fixtures/checkout as `chains serve --watch` makes them (one process, one
 * EmitCache, the compiler's kept project and incremental type check), each compared with a first build
 * of an identical copy in a folder never built before: the same diagnostics, byte for byte the same output.
 */
describe.sequential("a warm rebuild gives exactly what a fresh build of the same sources gives", () => {
  let dir: string;
  const cache = new EmitCache();
  let generation = 0;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "tschains-incremental-"));
    cpSync(join(repoRoot, "fixtures", "checkout"), join(dir, "warm", "src"), { recursive: true });
    // The warm copy has a tsconfig (the compiler's defaults, spelt out) and the fresh copies none: the
    // compiler keeps one project per tsconfig, so the fresh builds never touch the warm one's kept state.
    writeFileSync(join(dir, "warm", "src", "tsconfig.json"), JSON.stringify({ compilerOptions: SAME_AS_DEFAULTS }));
  });
  afterAll(async () => {
    await cache.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  function edit(file: string, from: string | RegExp, to: string): void {
    const path = join(dir, "warm", "src", file);
    const text = readFileSync(path, "utf8");
    expect(text).toMatch(from);
    writeFileSync(path, text.replace(from, to));
  }

  /** The warm rebuild and a fresh build of a copy of the same sources; asserts they agree and returns the warm one. */
  async function rebuildAndCompare(): Promise<BuildResult> {
    generation++;
    const warmSrc = join(dir, "warm", "src");
    const warm = await buildChain(join(warmSrc, "chain.ts"), { outDir: join(dir, "warm", `out-${generation}`), cache });
    const freshRoot = join(dir, `fresh-${generation}`);
    cpSync(warmSrc, join(freshRoot, "src"), { recursive: true, filter: (path) => !path.endsWith("tsconfig.json") });
    const fresh = await buildChain(join(freshRoot, "src", "chain.ts"), { outDir: join(freshRoot, `out-${generation}`) });
    expect(comparable(warm, warmSrc)).toEqual(comparable(fresh, join(freshRoot, "src")));
    expect(warm.ok).toBe(fresh.ok);
    if (warm.ok) {
      const warmTree = tree(warm.chainDir);
      const freshTree = tree(fresh.chainDir);
      expect([...warmTree.keys()].sort()).toEqual([...freshTree.keys()].sort());
      for (const [path, contents] of freshTree) expect(warmTree.get(path)!.equals(contents), path).toBe(true);
    }
    return warm;
  }

  it("builds the chain, then rebuilds it unchanged", async () => {
    expect((await rebuildAndCompare()).ok).toBe(true);
    expect((await rebuildAndCompare()).ok).toBe(true);
  }, 180_000);

  it("reports a type error in an unchanged file when a file it imports changes, and drops it when the import is fixed", async () => {
    // Money.amount becomes a string: exchange-rates.ts, not edited, now divides a string and assigns a number to it.
    edit("types.ts", "  amount: number;", "  amount: string;");
    const broken = await rebuildAndCompare();
    expect(broken.ok).toBe(false);
    const files = new Set(broken.diagnostics.filter((d) => d.code.startsWith("TS")).map((d) => relative(join(dir, "warm", "src"), d.file ?? "")));
    expect(files).toContain("exchange-rates.ts");

    edit("types.ts", "  amount: string;", "  amount: number;");
    const fixed = await rebuildAndCompare();
    expect(fixed.ok).toBe(true);
    expect(fixed.diagnostics.filter((d) => d.category === "error")).toEqual([]);
  }, 180_000);

  it("reports an error a body edit introduces, then builds the fixed edit like a fresh build", async () => {
    edit("exchange-rates.ts", "currency: to }));", "currency: to.toLowerCase() }));");
    const broken = await rebuildAndCompare();
    expect(broken.ok).toBe(false);
    expect(broken.diagnostics.map((d) => d.code)).toContain("TS2322");

    edit("exchange-rates.ts", "currency: to.toLowerCase() }));", "currency: to }));");
    edit("exchange-rates.ts", /USD: [\d.]+/, "USD: 1.25");
    expect((await rebuildAndCompare()).ok).toBe(true);
  }, 180_000);

  it("rebuilds the callers' schemas when a shared type changes shape", async () => {
    edit("types.ts", "  region?: string;", "  region?: string;\n  /** @maxLength 12 */\n  postcode?: string;");
    const changed = await rebuildAndCompare();
    expect(changed.ok).toBe(true);
    expect(readFileSync(join(changed.chainDir, "chainlets", "tax-rates", "schemas", "input.schema.json"), "utf8")).toContain('"postcode"');
  }, 180_000);

  it("drops a file the chain no longer imports: its errors and its Chainlets go with it", async () => {
    writeFileSync(
      join(dir, "warm", "src", "legacy.ts"),
      'import { ChainletBase } from "tschains";\n\nexport const broken: number = "nope";\n\nexport class Legacy extends ChainletBase {\n  runRemote(): string {\n    return "old";\n  }\n}\n',
    );
    edit("chain.ts", 'import { PriceQuote } from "./price-quote.js";', 'import { PriceQuote } from "./price-quote.js";\nimport "./legacy.js";');
    const importing = await rebuildAndCompare();
    expect(importing.diagnostics.map((d) => [d.code, relative(join(dir, "warm", "src"), d.file ?? "")])).toContainEqual(["TS2322", "legacy.ts"]);
    edit("chain.ts", '\nimport "./legacy.js";', "");
    const dropped = await rebuildAndCompare();
    expect(dropped.ok, JSON.stringify(dropped.diagnostics)).toBe(true);
    expect(dropped.sourceFiles.some((file) => file.endsWith("legacy.ts"))).toBe(false);
    unlinkSync(join(dir, "warm", "src", "legacy.ts"));
  }, 180_000);

  it("resolves an unchanged file's import anew when a file that takes precedence appears", async () => {
    const src = join(dir, "warm", "src");
    writeFileSync(join(src, "surcharge.d.ts"), "export declare const surcharge: string;\n");
    edit("exchange-rates.ts", 'import type { Currency, Money } from "./types.js";', 'import type { Currency, Money } from "./types.js";\nimport { surcharge } from "./surcharge.js";\nexport const surchargeRate: number = surcharge;');
    const declared = await rebuildAndCompare();
    expect(declared.diagnostics.map((d) => d.code)).toContain("TS2322");
    // surcharge.ts now takes precedence over surcharge.d.ts for "./surcharge.js"; no file of the chain changed.
    writeFileSync(join(src, "surcharge.ts"), "export const surcharge = 0.5;\n");
    const shadowed = await rebuildAndCompare();
    expect(shadowed.ok, JSON.stringify(shadowed.diagnostics)).toBe(true);
    expect(shadowed.sourceFiles.some((file) => file.endsWith("surcharge.ts"))).toBe(true);
  }, 180_000);
});
