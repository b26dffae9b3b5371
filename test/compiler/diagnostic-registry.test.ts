import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { diagnosticMessage, diagnosticMessages } from "../../compiler/diagnostic-messages.js";
import { checkRegistry } from "../registry-check.js";

const root = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const registryFile = join(root, "compiler", "diagnostic-messages.ts");

describe("the compiler's diagnostics registry", () => {
  it("defines each code once, uses each in compiler/ or emitters/, and documents each in the README tables", () => {
    // Object literal keys cannot reveal a repeated key once loaded; the source text can.
    const keys = [...readFileSync(registryFile, "utf8").matchAll(/^ {2}(CH\d{4}): \{/gm)].map((match) => match[1]!);
    expect(keys.filter((code, index) => keys.indexOf(code) !== index)).toEqual([]);
    expect(keys).toEqual(Object.keys(diagnosticMessages));

    const problems = checkRegistry({
      codes: Object.keys(diagnosticMessages),
      registryFile,
      dirs: [join(root, "compiler"), join(root, "emitters")],
      readme: readFileSync(join(root, "README.md"), "utf8"),
      range: /^CH1/,
    });
    expect(problems).toEqual({ unused: [], undocumented: [], unknown: [], documentedTwice: [] });
  });

  it("gives every variant of a code its own wording", () => {
    for (const [code, definition] of Object.entries(diagnosticMessages)) {
      const templates = Object.values(definition.messages).map(String);
      expect(new Set(templates).size, code).toBe(templates.length);
    }
  });

  it("fills a template and takes the category from the registry", () => {
    expect(diagnosticMessage("CH1307", "unreachable", "Forgotten", "Used")).toEqual({
      code: "CH1307",
      category: "warning",
      message: "Chainlet Forgotten is not reachable from the entrypoint Used and is left out of the chain.",
    });
    expect(diagnosticMessage("CH1209", "repeatedKey", "remoteConfig.assets.secretKeys").category).toBe("error");
  });
});
