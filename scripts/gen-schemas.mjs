// Writes the JSON Schemas generated from the TypeScript types (compiler/chain-ir.schema.json,
// compiler/remote-config.schema.json) with the built converter in lib/: `npm run gen:schemas`.
// test/compiler/generated-schemas.test.ts fails while a committed file differs from what this writes.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { generateConfigSchemas } from "../lib/compiler/generate-config-schemas.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
for (const { path, text } of generateConfigSchemas(root)) {
  writeFileSync(join(root, path), text);
  process.stdout.write(`wrote ${path}\n`);
}
