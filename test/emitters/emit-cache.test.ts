import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileChain } from "../../compiler/compile-chain.js";
import { bundleChainlets, type ChainletBundle } from "../../emitters/bundle-chainlets.js";
import { EmitCache } from "../../emitters/emit-cache.js";
import { repoRoot } from "./build-fixture.js";

/** Rebuilds of a copy of fixtures/checkout with and without the cache `chains serve --watch` keeps. */
describe.sequential("EmitCache: a rebuild bundles only the Chainlets whose inputs changed", () => {
  let dir: string;
  const cache = new EmitCache();
  let last: Map<string, ChainletBundle>;

  async function bundle(withCache: EmitCache | undefined): Promise<Map<string, ChainletBundle>> {
    const { ir, diagnostics } = compileChain(join(dir, "src", "chain.ts"));
    expect(ir, JSON.stringify(diagnostics)).not.toBeNull();
    return bundleChainlets(ir!, join(dir, "out", ir!.name), withCache);
  }

  function edit(file: string, from: RegExp | string, to: string): void {
    const path = join(dir, "src", file);
    const text = readFileSync(path, "utf8");
    expect(text).toMatch(from);
    writeFileSync(path, text.replace(from, to));
  }

  /** Every bundle equals what a build without any cache makes now; returns the names of those not reused from `previous`. */
  async function rebuiltSince(previous: Map<string, ChainletBundle>): Promise<string[]> {
    const cached = await bundle(cache);
    const fresh = await bundle(undefined);
    for (const [name, bundle] of fresh) {
      expect(Buffer.from(cached.get(name)!.code).equals(Buffer.from(bundle.code)), `${name}: server.mjs`).toBe(true);
      expect(Buffer.from(cached.get(name)!.map).equals(Buffer.from(bundle.map)), `${name}: server.mjs.map`).toBe(true);
    }
    last = cached;
    return [...cached].filter(([name, bundle]) => previous.get(name) !== bundle).map(([name]) => name).sort();
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tschains-emit-cache-"));
    cpSync(join(repoRoot, "fixtures", "checkout"), join(dir, "src"), { recursive: true });
    last = await bundle(cache);
  }, 120_000);
  afterAll(async () => {
    await cache.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reuses every bundle when nothing changed", async () => {
    expect(await rebuiltSince(last)).toEqual([]);
  }, 120_000);

  it("bundles only the edited Chainlet after a one-line edit of its file", async () => {
    edit("exchange-rates.ts", /USD: [\d.]+/, "USD: 1.5");
    expect(await rebuiltSince(last)).toEqual(["exchange-rates"]);
  }, 120_000);

  it("bundles every Chainlet that imports a helper module that changed, and only those", async () => {
    writeFileSync(join(dir, "src", "rounding.ts"), "export const roundMoney = (amount: number): number => Math.round(amount);\n");
    edit("exchange-rates.ts", 'import type { Currency, Money } from "./types.js";', 'import type { Currency, Money } from "./types.js";\nimport { roundMoney } from "./rounding.js";');
    edit("exchange-rates.ts", "amount: Math.round(", "amount: roundMoney(");
    expect(await rebuiltSince(last)).toEqual(["exchange-rates"]);
    writeFileSync(join(dir, "src", "rounding.ts"), "export const roundMoney = (amount: number): number => Math.round(amount * 100) / 100;\n");
    expect(await rebuiltSince(last)).toEqual(["exchange-rates"]);
  }, 120_000);

  it("bundles the callers too when a Chainlet's interface changes (their meta and validators change)", async () => {
    edit("exchange-rates.ts", "runRemote(amounts: Money[], to: Currency): Money[] {", "runRemote(amounts: Money[], to: Currency, note?: string): Money[] {");
    expect(await rebuiltSince(last)).toEqual(["exchange-rates", "price-quote", "tax-rates"]);
  }, 120_000);
});
