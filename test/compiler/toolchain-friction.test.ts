import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { compileChain } from "../../compiler/compile-chain.js";

const root = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const scratch = mkdtempSync(join(root, "test", "tmp-toolchain-friction-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const CHAIN = `import { ChainletBase, entrypoint } from "tschains";

@entrypoint
export class Echo extends ChainletBase {
  runRemote(text: string): string {
    return text;
  }
}
`;

/** A project folder with `files` (tsconfig.json among them) and the chain `chain.ts`. */
function project(name: string, files: Record<string, string>): string {
  const dir = join(scratch, name);
  mkdirSync(dir);
  for (const [path, contents] of Object.entries(files)) writeFileSync(join(dir, path), contents);
  return join(dir, "chain.ts");
}

const summary = (entry: string) => compileChain(entry).diagnostics.map((d) => `${d.category} ${d.code}${d.line ? `@${d.line}` : ""}`);

describe("a new user's toolchain", () => {
  it("builds with a tsconfig TypeScript 5 accepts: baseUrl and moduleResolution node are warnings, not errors", () => {
    const tsconfig = JSON.stringify({ compilerOptions: { target: "ES2022", module: "commonjs", moduleResolution: "node", baseUrl: ".", strict: true } });
    const entry = project("ts5", { "tsconfig.json": tsconfig, "chain.ts": CHAIN });
    const { ir, diagnostics } = compileChain(entry);
    expect(ir?.entrypoint).toBe("echo");
    expect(diagnostics.map((d) => [d.category, d.code])).toEqual([
      ["warning", "TS5101"],
      ["warning", "TS5107"],
    ]);
  });

  it("experimentalDecorators: one CH1021 at the tsconfig line saying how to switch, and no TS1238", () => {
    const tsconfig = `{\n  "compilerOptions": {\n    "strict": true,\n    "experimentalDecorators": true\n  }\n}\n`;
    const entry = project("legacy-decorators", { "tsconfig.json": tsconfig, "chain.ts": CHAIN });
    const { ir, diagnostics } = compileChain(entry);
    expect(ir).toBeNull();
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ code: "CH1021", category: "error", file: join(scratch, "legacy-decorators", "tsconfig.json"), line: 4, column: 5 });
    expect(diagnostics[0]!.message).toMatch(/standard \(TC39\) decorators.*Remove the option/);
  });

  it("an instance remoteConfig is CH1250, not silently ignored", () => {
    const entry = project("instance-config", {
      "chain.ts": CHAIN.replace("  runRemote(", "  remoteConfig = { compute: { cpu: 2 } };\n\n  runRemote("),
    });
    const { diagnostics } = compileChain(entry);
    expect(diagnostics.map((d) => [d.code, d.line])).toEqual([["CH1250", 5]]);
    expect(diagnostics[0]!.message).toBe("remoteConfig of Echo is an instance property, which tschains never reads; declare it `static remoteConfig = { ... }`.");
  });

  it("reports every independent error in one run, one diagnostic per problem, the cycle without implicit-any noise", () => {
    const entry = project("many-problems", {
      "chain.ts": `import { ChainletBase, depends, entrypoint } from "tschains";

@entrypoint
export class Alpha extends ChainletBase {
  constructor(private readonly beta = depends(Beta)) {
    super();
  }
  async runRemote(depth: number): Promise<number> {
    return this.beta.runRemote(depth);
  }
}

export class Beta extends ChainletBase {
  static override remoteConfig = { dockerImage: { dataDir: "./missing" } };
  constructor(private readonly alpha = depends(Alpha)) {
    super();
  }
  async runRemote(depth: number): Promise<number> {
    const typo: string = depth;
    return this.alpha.runRemote(depth - typo.length);
  }
  helper(n) {
    return n;
  }
}
`,
    });
    // TS7022 (the cycle's implicit any) is gone; the missing data folder, the cycle, the type error and the
    // implicit any of a helper no CH diagnostic explains are all there.
    expect(summary(entry)).toEqual(["error CH1430@14", "error CH1304@15", "error TS2322@19", "error TS7006@22"]);
  });

  it("drops TypeScript's error on a node a CH diagnostic explains", () => {
    const entry = project("untyped-parameter", { "chain.ts": CHAIN.replace("runRemote(text: string)", "runRemote(text)") });
    expect(summary(entry)).toEqual(["error CH1005@5"]);
  });
});
