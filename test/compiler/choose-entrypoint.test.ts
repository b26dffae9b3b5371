import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { compileChain } from "../../compiler/compile-chain.js";

const root = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const scratch = mkdtempSync(join(root, "test", "tmp-choose-entrypoint-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Two chains sharing the Chainlet `Shared`: `Greeter` and `Shouter`, each with its own @entrypoint. */
const SHARED = `import { ChainletBase, depends, entrypoint } from "tschains";

export class Shared extends ChainletBase {
  runRemote(text: string): string {
    return text.trim();
  }
}

@entrypoint("Greeting")
export class Greeter extends ChainletBase {
  constructor(private readonly shared = depends(Shared)) {
    super();
  }
  async runRemote(name: string): Promise<string> {
    return "Hello " + (await this.shared.runRemote(name));
  }
}

@entrypoint
export class Shouter extends ChainletBase {
  constructor(private readonly shared = depends(Shared)) {
    super();
  }
  async runRemote(text: string): Promise<string> {
    return (await this.shared.runRemote(text)).toUpperCase();
  }
}
`;
writeFileSync(join(scratch, "two-chains.ts"), SHARED);
// A third chain reusing Greeter (and through it Shared) from a file that has its own @entrypoints.
writeFileSync(
  join(scratch, "reuse.ts"),
  `import { ChainletBase, depends, entrypoint } from "tschains";
import { Greeter } from "./two-chains.js";

@entrypoint
export class Welcome extends ChainletBase {
  constructor(private readonly greeter = depends(Greeter)) {
    super();
  }
  async runRemote(name: string): Promise<string> {
    return (await this.greeter.runRemote(name)) + "!";
  }
}
`,
);

describe("choosing the entrypoint", () => {
  it("without a choice, the several-entrypoints error names them and says how to pick", () => {
    const { ir, diagnostics } = compileChain(join(scratch, "two-chains.ts"));
    expect(ir).toBeNull();
    const errors = diagnostics.filter((d) => d.category === "error");
    expect(errors.map((d) => d.code)).toEqual(["CH1302", "CH1302"]);
    expect(errors[0]!.message).toContain("found 2: Greeter, Shouter");
    expect(errors[0]!.message).toContain("`chains build chain.ts MyEntrypoint`");
  });

  it("the optional entrypoint picks one chain, with only the Chainlets it reaches and no warning about the other", () => {
    const { ir, diagnostics } = compileChain(join(scratch, "two-chains.ts"), { entrypoint: "Shouter" });
    expect(diagnostics).toEqual([]);
    expect(ir!.name).toBe("shouter");
    expect(ir!.entrypoint).toBe("shouter");
    expect(ir!.chainlets.map((c) => c.name)).toEqual(["shared", "shouter"]);

    const greeting = compileChain(join(scratch, "two-chains.ts"), { entrypoint: "Greeter" }).ir!;
    expect(greeting.displayName).toBe("Greeting");
    expect(greeting.chainlets.map((c) => c.name)).toEqual(["greeter", "shared"]);
  });

  it("names the known entrypoints when the chosen class does not exist", () => {
    const { ir, diagnostics } = compileChain(join(scratch, "two-chains.ts"), { entrypoint: "Shoutr" });
    expect(ir).toBeNull();
    expect(diagnostics.map((d) => [d.code, d.message])).toEqual([
      ["CH1308", "No Chainlet class named 'Shoutr' in the entry file or its imports. Did you mean 'Shouter'? Entrypoints: Greeter, Shouter."],
    ]);
  });

  it("reuses a Chainlet from a file that has its own @entrypoint: the entry file's @entrypoint wins", () => {
    const { ir, diagnostics } = compileChain(join(scratch, "reuse.ts"));
    expect(diagnostics).toEqual([]);
    expect(ir!.entrypoint).toBe("welcome");
    expect(ir!.chainlets.map((c) => c.name)).toEqual(["greeter", "shared", "welcome"]);
  });

  it("the CLI takes the entrypoint after the entry file (chains graph)", () => {
    const cli = join(root, "lib", "cli", "chains.js");
    const picked = spawnSync(process.execPath, [cli, "graph", join(scratch, "two-chains.ts"), "Greeter"], { encoding: "utf8" });
    expect(picked.stderr).toBe("");
    expect(picked.status).toBe(0);
    expect(picked.stdout).toContain("greeter");
    expect(picked.stdout).not.toContain("shouter");

    const unpicked = spawnSync(process.execPath, [cli, "graph", join(scratch, "two-chains.ts")], { encoding: "utf8" });
    expect(unpicked.status).toBe(1);
    expect(unpicked.stderr).toContain("error CH1302: A chain has exactly one @entrypoint; found 2: Greeter, Shouter.");
  });
});
