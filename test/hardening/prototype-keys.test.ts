import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Checkout } from "../../fixtures/checkout/chain.js";
import { HttpError, runLocal } from "../../runtime-node/index.js";
import { buildFixture, repoRoot, type BuiltFixture } from "../emitters/build-fixture.js";
import { copyOutsideRepo, runRemote, serveContext, type ServedProcess } from "../emitters/served-context.js";
import { compile, scratchFolder } from "./hostile-chain.js";

/** Object.prototype member names are data like any other, on the wire, in schemas and in lookups. */
describe("prototype member names as data", () => {
  let built: BuiltFixture;
  let served: ServedProcess;
  const scratch = scratchFolder("hardening-proto-");
  const cleanup: string[] = [];

  beforeAll(async () => {
    built = await buildFixture("prototype-keys", "test/hardening/fixtures/prototype-keys/chain.ts");
    const context = copyOutsideRepo(join(built.chainDir, "chainlets", "describe"));
    cleanup.push(built.outDir, context);
    served = await serveContext(context, { CHAINS_AUTH_TOKEN: "token-for-prototype-keys" });
  });
  afterAll(async () => {
    await served?.stop();
    for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
    scratch.dispose();
  });

  it("an omitted optional `constructor` property or parameter is absent, not Object.prototype's", async () => {
    expect(await runRemote(served.url, { options: { label: "none" } }, "token-for-prototype-keys")).toEqual({
      status: 200,
      json: "none: sent [], constructor parameter undefined",
    });
    expect(await runRemote(served.url, { options: { label: "all", constructor: 1, toString: "s", hasOwnProperty: true }, constructor: 2 }, "token-for-prototype-keys")).toEqual({
      status: 200,
      json: "all: sent [constructor,toString,hasOwnProperty], constructor parameter number",
    });
    // The types still hold: a string where the number goes is a 400 naming the field.
    const wrong = await runRemote(served.url, { options: { label: "x", constructor: "1" } }, "token-for-prototype-keys");
    expect(wrong.status).toBe(400);
    expect(JSON.stringify(wrong.json)).toContain("/options/constructor");
  });

  it("paths named after prototype members are 404s", async () => {
    for (const path of ["/constructor", "/__proto__", "/toString", "/hasOwnProperty"]) {
      const response = await fetch(`${served.url}${path}`);
      expect([path, response.status, ((await response.json()) as { error: { code: string } }).error.code]).toEqual([path, 404, "CH2106"]);
    }
  });

  it("a `__proto__` property or parameter is a CH1114 diagnostic, not a silently missing field", () => {
    const entry = join(scratch.dir, "chain.ts");
    writeFileSync(
      entry,
      [
        'import { ChainletBase } from "tschains";',
        "export interface Sneaky { __proto__: { admin: boolean }; name: string }",
        "export class Proto extends ChainletBase {",
        "  runRemote(value: Sneaky, __proto__?: string): string {",
        "    return value.name;",
        "  }",
        "}",
        "",
      ].join("\n"),
    );
    const { ir, diagnostics } = compile(entry);
    expect(ir).toBeNull();
    expect(diagnostics.map((d) => [d.code, d.message.replace(/: a property named.*/, ""), d.line])).toEqual([
      ["CH1114", "value.__proto__", 4],
      ["CH1114", "__proto__", 4],
    ]);
  });

  it("the checkout example answers a caller's \"__proto__\" or \"constructor\" country with 422, not 500", async () => {
    const entry = await runLocal(Checkout, { secrets: { pricing_api_key: "k" }, dataDir: join(repoRoot, "fixtures", "checkout", "data") });
    for (const country of ["__proto__", "constructor", "toString"]) {
      const answer = entry.runRemote({ items: [{ sku: "TEA-001", quantity: 1 }], shipTo: { country }, currency: "EUR" });
      await expect(answer).rejects.toBeInstanceOf(HttpError);
      await expect(answer).rejects.toMatchObject({ status: 422, message: `no tax rate for ${country}` });
    }
  });
});
