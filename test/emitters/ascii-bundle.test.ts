import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildFixture, type BuiltFixture } from "./build-fixture.js";

describe("bundled JavaScript of fixtures/hello", () => {
  let built: BuiltFixture;

  beforeAll(async () => {
    built = await buildFixture("hello");
  });

  afterAll(() => rmSync(built.outDir, { recursive: true, force: true }));

  it("is ASCII only, non-ASCII text escaped, so V8 holds each source as one byte per character", () => {
    const bundles = built.files.filter((file) => file.path.endsWith(".mjs"));
    expect(bundles.length).toBeGreaterThanOrEqual(2);
    for (const bundle of bundles) {
      const bytes = Buffer.from(bundle.contents);
      expect(bytes.findIndex((byte) => byte > 0x7f), bundle.path).toBe(-1);
    }
    // The runtime's "…" (a cut envelope fragment) is still there, as an escape.
    expect(bundles.some((bundle) => Buffer.from(bundle.contents).toString("latin1").includes("\\u2026"))).toBe(true);
  });
});
