import { describe, expect, it } from "vitest";
import type { ChainletIR } from "../../compiler/chain-ir.js";
import { EmitError } from "../../emitters/emit-error.js";
import { rewriteChainletSource } from "../../emitters/rewrite-source.js";

const OPTIONS = { retries: 1, timeoutSec: 5, concurrencyLimit: 300, binary: false, streamingReadTimeoutSec: 600 };

/** A minimal ChainletIR whose spans are found in `text` by the given snippets. */
function chainlet(text: string, className: string, classSnippet: string, exported: "named" | "default" | "none", dependsSnippets: string[] = []): ChainletIR {
  const classStart = text.indexOf(classSnippet);
  const classEnd = text.indexOf("\n}", classStart) + 2;
  const dependsCalls = dependsSnippets.map((snippet) => ({ start: text.indexOf(snippet), end: text.indexOf(snippet) + snippet.length, chainlet: "callee" }));
  return {
    name: className.toLowerCase(),
    className,
    file: "src/chain.ts",
    isEntrypoint: false,
    dependencies: dependsCalls.map(() => "callee"),
    injections: dependsCalls.map((_, index) => ({ kind: "depends" as const, parameter: `p${index}`, chainlet: "callee", options: OPTIONS })),
    runRemote: { parameters: [], async: true, streaming: false },
    hasIsHealthy: false,
    config: {} as ChainletIR["config"],
    schemas: { input: {}, output: {} },
    source: { file: "src/chain.ts", classStart, classEnd, exported, dependsCalls },
  };
}

const source = `import { ChainletBase, depends, entrypoint } from "tschains";

export default class Callee extends ChainletBase {
  runRemote(): string {
    return "callee body";
  }
}

@entrypoint
class Caller extends ChainletBase {
  constructor(
    private readonly callee = depends(Callee, {
      retries: 1,
      timeoutSec: 5,
    }),
  ) {
    super();
  }
  async runRemote(): Promise<string> {
    return this.callee.runRemote();
  }
}
`;

describe("rewriteChainletSource", () => {
  const callee = chainlet(source, "Callee", "export default class Callee", "default");
  const caller = chainlet(source, "Caller", "@entrypoint\nclass Caller", "none", ["depends(Callee, {\n      retries: 1,\n      timeoutSec: 5,\n    })"]);
  const rewritten = rewriteChainletSource(source, { target: caller, standIns: [callee], dependsOnModule: "runtime:authoring" });

  it("replaces other Chainlets by empty classes with the same export form", () => {
    expect(rewritten).not.toContain("callee body");
    expect(rewritten).toContain("export default class Callee {}");
  });

  it("turns depends() into a named dependsOn call with every option resolved", () => {
    expect(rewritten).toContain(
      '__tschainsDependsOn("callee", {"retries":1,"timeoutSec":5,"concurrencyLimit":300,"binary":false,"streamingReadTimeoutSec":600})',
    );
    expect(rewritten).toContain('import { dependsOn as __tschainsDependsOn } from "runtime:authoring";');
  });

  it("exports an unexported target and keeps every original line where it was", () => {
    expect(rewritten).toContain("export { Caller as __tschainsChainlet };");
    const before = source.split("\n");
    const after = rewritten.split("\n");
    const line = (lines: string[], text: string) => lines.findIndex((each) => each.includes(text));
    for (const text of ["async runRemote(): Promise<string>", "return this.callee.runRemote();", "@entrypoint", "super();"]) {
      expect(line(after, text), text).toBe(line(before, text));
    }
  });

  it("refuses spans that do not match the text (source changed after compiling)", () => {
    const stale = { ...caller, source: { ...caller.source, dependsCalls: [{ start: 0, end: 10, chainlet: "callee" }] } };
    expect(() => rewriteChainletSource(source, { target: stale, standIns: [], dependsOnModule: "x" })).toThrow(EmitError);
    expect(() => rewriteChainletSource(source, { target: stale, standIns: [], dependsOnModule: "x" })).toThrow(/CH1401/);
  });
});
