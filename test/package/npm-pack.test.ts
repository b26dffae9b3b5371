import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { npmInstall, packTarball, repo, run, whileServing } from "./packed-project.js";

const work = mkdtempSync(join(tmpdir(), "tschains-pack-"));
const app = join(work, "app");

const CHAIN = `import { ChainletBase, depends, entrypoint } from "tschains";

export class Upper extends ChainletBase {
  runRemote(text: string): string {
    return text.toUpperCase();
  }
}

@entrypoint
export class Shouter extends ChainletBase {
  constructor(private readonly upper = depends(Upper)) {
    super();
  }

  async runRemote(words: string[]): Promise<string> {
    return (await Promise.all(words.map((w) => this.upper.runRemote(w)))).join(" ") + "!";
  }
}
`;

/**
 * tschains as users get it: the packed tarball (compiled JavaScript only, no TypeScript runner),
 * installed into a fresh project outside the repo that has no tsconfig.json of its own.
 */
describe("the npm package", () => {
  beforeAll(async () => {
    // lib/ is fresh: `npm test` compiles it before running the suite.
    const tarball = await packTarball(work);
    mkdirSync(app);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module", dependencies: { tschains: `file:../${tarball}` } }));
    writeFileSync(join(app, "chain.ts"), CHAIN);
    await npmInstall(app);
  }, 240_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("ships compiled JavaScript and no TypeScript sources", async () => {
    const { stdout } = await run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: repo });
    const files: string[] = JSON.parse(stdout)[0].files.map((f: { path: string }) => f.path);
    expect(files).toContain("lib/cli/chains.js");
    expect(files).toContain("lib/runtime-node/index.d.ts");
    expect(files).toContain("emitters/templates/Dockerfile.hbs");
    expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
    expect(files.some((f) => f.startsWith("test/") || f.startsWith("fixtures/"))).toBe(false);
  });

  it("builds a chain written in a fresh project", async () => {
    const { stdout } = await run(join(app, "node_modules", ".bin", "chains"), ["build", "chain.ts", "--out", "dist"], { cwd: app });
    expect(stdout).toContain("shouter");
    expect(readdirSync(join(app, "dist", "shouter", "chainlets")).sort()).toEqual(["shouter", "upper"]);
  });

  it("serves that chain and answers over HTTP", async () => {
    const code = await whileServing(app, ["chain.ts"], async (url) => {
      const response = await request(`${url}/v1/run_remote`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ words: ["ts", "chains"] }),
      });
      expect(response.statusCode).toBe(200);
      expect(await response.body.json()).toBe("TS CHAINS!");
    });
    expect(code).toBe(0);
  });
});
