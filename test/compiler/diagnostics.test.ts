import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { compileChain } from "../../compiler/compile-chain.js";
import { formatDiagnostics } from "../../compiler/diagnostics.js";
import { locateText } from "./locate-text.js";

const root = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const fixtures = join(root, "fixtures", "diagnostics");

interface Expected {
  code: string;
  message: RegExp;
  /** The source text the diagnostic starts at (its first occurrence in `file`). */
  at: string;
  /** Relative to the fixture folder; `chain.ts` when absent. */
  file?: string;
  category?: "error" | "warning";
}

/** One fixture per code; `expected` is the complete list of the run's diagnostics. */
const cases: Record<string, Expected[]> = {
  "ch1002-no-chainlet": [{ code: "CH1002", message: /No Chainlet found: the entry file and its imports declare no class that extends ChainletBase/, at: "import type" }],
  "ch1003-no-run-remote": [{ code: "CH1003", message: /^Chainlet Silent has no runRemote method/, at: "Silent" }],
  "ch1004-run-remote-not-method": [{ code: "CH1004", message: /^Arrow\.runRemote must be a public instance method/, at: "runRemote =" }],
  "ch1005-parameter-without-type": [
    { code: "CH1005", message: /^Parameter 'start' of Counter\.runRemote needs an explicit type annotation/, at: "start = 1" },
  ],
  "ch1006-return-without-type": [{ code: "CH1006", message: /^Echo\.runRemote needs an explicit return type annotation/, at: "runRemote(" }],
  "ch1007-destructured-parameter": [{ code: "CH1007", message: /must be plain named parameters \(no destructuring or rest\)/, at: "{ a, b }" }],
  "ch1008-sync-generator": [{ code: "CH1008", message: /^Counter\.runRemote is a synchronous generator; stream with `async \*runRemote/, at: "runRemote(" }],
  "ch1009-overloaded-run-remote": [{ code: "CH1009", message: /^Twice\.runRemote cannot be overloaded/, at: "runRemote(value: string): string;" }],
  "ch1010-constructor-parameter-without-depends": [
    { code: "CH1010", message: /^Constructor parameter 'greeting' of Greeter must default to `depends\(Chainlet, options\?\)` or `dependsContext\(\)`/, at: "private readonly greeting" },
  ],
  "ch1011-depends-outside-constructor": [
    { code: "CH1011", message: /^depends\(\) may only be the default value of a constructor parameter/, at: "depends(Leaf)" },
    { code: "CH1307", category: "warning", message: /^Chainlet Leaf is not reachable from the entrypoint Root/, at: "Leaf extends" },
  ],
  "ch1012-depends-options-not-literal": [{ code: "CH1012", message: /^depends\(\) options must be an object literal written in place/, at: "sharedOptions))" }],
  "ch1013-unknown-depends-option": [{ code: "CH1013", message: /^Unknown depends\(\) option 'retrys'\. Did you mean 'retries'\?/, at: "retrys" }],
  "ch1014-invalid-depends-option": [{ code: "CH1014", message: /^depends\(\) option 'retries' must be a non-negative integer, got -1\.$/, at: "-1" }],
  "ch1015-entrypoint-name-not-literal": [{ code: "CH1015", message: /must be a string literal/, at: "NAME)" }],
  "ch1016-anonymous-chainlet": [{ code: "CH1016", message: /^A Chainlet class needs a name/, at: "export default class" }],
  "ch1017-invalid-is-healthy": [{ code: "CH1017", message: /^Probe\.isHealthy\(\) must return boolean or Promise<boolean>, not string\.$/, at: "isHealthy()" }],
  "ch1018-generic-chainlet": [{ code: "CH1018", message: /^Chainlet Box cannot be generic/, at: "T> extends" }],
  "ch1020-inherited-constructor": [
    { code: "CH1020", message: /^Reporter inherits a constructor with parameters from WithContext; declare its depends\(\)\/dependsContext\(\) parameters in Reporter's own constructor\.$/, at: "Reporter" },
  ],
  "ch1200-remote-config-not-literal": [
    { code: "CH1200", message: /^remoteConfig\.compute\.cpu must be a literal the compiler can read without running code .*found `cpus`\.$/, at: "cpus, memory" },
  ],
  "ch1201-unknown-remote-config-key": [
    { code: "CH1201", message: /^Unknown key 'memroy' in remoteConfig\.compute\. Did you mean 'memory'\? Known keys: cpu, memory, gpu/, at: "memroy" },
  ],
  "ch1202-invalid-memory": [{ code: "CH1202", message: /^remoteConfig\.compute\.memory must be a memory quantity with a unit .*; got "4GB"\.$/, at: '"4GB"' }],
  "ch1203-unknown-gpu": [{ code: "CH1203", message: /^remoteConfig\.compute\.gpu must be one of T4, L4, A10G, A100, H100, H200, B200, L40S; got "A10"\. Did you mean 'A10G'\?$/, at: '"A10"' }],
  "ch1204-count-not-positive": [{ code: "CH1204", message: /^remoteConfig\.compute\.concurrency must be a positive integer; got 0\.$/, at: "0 }" }],
  "ch1205-invalid-config-name": [{ code: "CH1205", message: /^remoteConfig\.name must match \[a-zA-Z0-9_-\]\+; got "heavy worker"\.$/, at: '"heavy worker"' }],
  "ch1206-wrong-config-type": [{ code: "CH1206", message: /^remoteConfig\.dockerImage\.npmRequirements must be an array; got "sharp@0\.33\.5"\.$/, at: '"sharp' }],
  "ch1207-min-replicas-above-max": [{ code: "CH1207", message: /^remoteConfig\.compute\.minReplicas \(3\) is greater than maxReplicas \(2\)\.$/, at: "3," }],
  "ch1212-entrypoint-at-zero": [
    { code: "CH1212", message: /^remoteConfig\.compute\.minReplicas of the entrypoint Front is 0, but outside callers reach its pods directly .*nothing would wake it from zero\./, at: "0, maxReplicas: 2" },
  ],
  "ch1208-gpu-count-without-gpu": [{ code: "CH1208", message: /^remoteConfig\.compute\.gpuCount needs compute\.gpu/, at: "2 }" }],
  "ch1209-invalid-base-image": [
    { code: "CH1220", message: /^remoteConfig\.dockerImage\.baseImage must be an image reference such as "node:24-slim", .*; got "node:24-slim\\nRUN/, at: '"node:24-slim' },
  ],
  "ch1301-no-entrypoint": [{ code: "CH1301", message: /^No @entrypoint: the entry file declares 2 Chainlets \(First, Second\)/, at: "First" }],
  "ch1302-several-entrypoints": [
    { code: "CH1302", message: /^A chain has exactly one @entrypoint; found 2: First, Second\. To build one of them, pass the class name after the entry file/, at: "@entrypoint\n" },
    { code: "CH1302", message: /^A chain has exactly one @entrypoint; found 2: First, Second\. To build one of them, pass the class name after the entry file/, at: '@entrypoint("Second' },
  ],
  "ch1303-depends-target-not-chainlet": [{ code: "CH1303", message: /^depends\(\) needs a Chainlet class: 'Plain' is abstract\.$/, at: "Plain))" }],
  "ch1304-dependency-cycle": [
    { code: "CH1304", message: /^Dependency cycle: Alpha → Beta → Gamma → Alpha\./, at: "depends(Alpha)" },
  ],
  "ch1305-duplicate-names": [
    { code: "CH1305", message: /^Two Chainlets are named 'worker': OtherWorker and Worker \(chain\.ts:3\)/, at: "OtherWorker extends" },
  ],
  "ch1306-invalid-chain-name": [{ code: "CH1306", message: /^Chain name 'Hello, World!' must be letters and digits/, at: "@entrypoint(" }],
  "ch1307-unreachable-chainlet": [
    { code: "CH1307", category: "warning", message: /^Chainlet Forgotten is not reachable from the entrypoint Used and is left out of the chain\.$/, at: "Forgotten" },
  ],
  "multi-file-error": [
    { code: "CH1014", message: /^depends\(\) option 'timeoutSec' must be a positive number of seconds, got 0\.$/, at: "0 })" },
    { code: "CH1006", message: /^Root\.runRemote needs an explicit return type annotation/, at: "runRemote(" },
    { code: "CH1202", message: /got "lots"/, at: '"lots"', file: "helper.ts" },
  ],
};

describe("compiler diagnostics: one fixture per code", () => {
  for (const [fixture, expected] of Object.entries(cases)) {
    it(`${fixture} reports ${expected.map((e) => e.code).join(", ")}`, () => {
      const entry = join(fixtures, fixture, "chain.ts");
      const { ir, diagnostics } = compileChain(entry);
      const hasError = expected.some((e) => (e.category ?? "error") === "error");
      expect(ir === null).toBe(hasError);
      const actual = diagnostics.map((d) => ({ code: d.code, category: d.category, file: d.file, line: d.line, column: d.column, message: d.message }));
      expect(actual).toHaveLength(expected.length);
      for (const e of expected) {
        const file = join(fixtures, fixture, e.file ?? "chain.ts");
        const where = locateText(file, e.at);
        expect(actual, formatDiagnostics(diagnostics, { cwd: root })).toContainEqual({
          code: e.code,
          category: e.category ?? "error",
          file,
          line: where.line,
          column: where.column,
          message: expect.stringMatching(e.message),
        });
      }
    });
  }
});

describe("compiler diagnostics: TypeScript and files", () => {
  const scratch = mkdtempSync(join(root, "test", "compiler", "tmp-diagnostics-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("reports TypeScript's own errors in the chain's files as TS#### diagnostics, next to its own", () => {
    const entry = join(scratch, "chain.ts");
    writeFileSync(
      entry,
      [
        'import { ChainletBase } from "tschains";',
        "",
        "export class Broken extends ChainletBase {",
        "  runRemote(count: number): string {",
        "    const wrong: number = String(count);",
        "    return wrong;",
        "  }",
        "",
        "  isHealthy(): number {",
        "    return 1;",
        "  }",
        "}",
        "",
      ].join("\n"),
    );
    const { ir, diagnostics } = compileChain(entry);
    expect(ir).toBeNull();
    const ts = diagnostics.filter((d) => d.code.startsWith("TS"));
    expect(ts.map((d) => [d.code, d.line, d.column])).toEqual([
      ["TS2322", 5, 11],
      ["TS2322", 6, 5],
    ]);
    expect(ts[0]!.message).toBe("Type 'string' is not assignable to type 'number'.");
    expect(diagnostics.map((d) => d.code)).toContain("CH1017");
    const printed = formatDiagnostics(diagnostics, { cwd: scratch });
    expect(printed).toContain("chain.ts:5:11 - error TS2322: Type 'string' is not assignable to type 'number'.");
    expect(printed).toContain("Found 3 errors.");
  });

  it("reports a missing entry file as CH1001", () => {
    const { ir, diagnostics } = compileChain(join(scratch, "nope.ts"));
    expect(ir).toBeNull();
    expect(diagnostics).toEqual([{ code: "CH1001", category: "error", message: `Entry file not found: ${join(scratch, "nope.ts")}` }]);
  });
});
