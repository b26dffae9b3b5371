import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { generateConfigSchemas } from "../../compiler/generate-config-schemas.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

describe("the shipped schemas are generated from the TypeScript types", () => {
  const generated = generateConfigSchemas(root);

  it("regenerating gives the committed files byte for byte (run `npm run gen:schemas` after changing a type)", () => {
    expect(generated.map((g) => g.path)).toEqual(["compiler/chain-ir.schema.json", "compiler/remote-config.schema.json"]);
    for (const { path, text } of generated) expect(readFileSync(join(root, path), "utf8"), path).toBe(text);
  });
});
