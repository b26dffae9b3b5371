import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { npmInstall, packTarball, repo, run, whileServing } from "./packed-project.js";

const work = mkdtempSync(join(tmpdir(), "tschains-init-"));
const project = join(work, "my chain");
const cli = join(repo, "lib", "cli", "chains.js");

/** `chains init` as a new user runs it, in a fresh folder outside the repo, then `npm install` of the packed tarball. */
describe("chains init", () => {
  let initOutput: string;
  beforeAll(async () => {
    const tarball = await packTarball(work);
    initOutput = (await run(process.execPath, [cli, "init", project], { cwd: work })).stdout;
    // The registry's tschains is this checkout's packed tarball here.
    const pkgPath = join(project, "package.json");
    const pkg = JSON.parse(readFileSync(pkgPath, "utf8"));
    expect(pkg.dependencies.tschains).toMatch(/^\^\d+\.\d+\.\d+$/);
    pkg.dependencies.tschains = `file:../${tarball}`;
    writeFileSync(pkgPath, JSON.stringify(pkg, null, 2));
    await npmInstall(project);
  }, 300_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("writes a small project and says what to run next", () => {
    expect(readdirSync(project).filter((f) => f !== "node_modules" && f !== "package-lock.json").sort()).toEqual(
      [".gitignore", "README.md", "chain.test.ts", "chain.ts", "package.json", "tsconfig.json", "vitest.config.ts"].sort(),
    );
    expect(initOutput).toContain("npx chains serve chain.ts");
    expect(JSON.parse(readFileSync(join(project, "package.json"), "utf8")).name).toBe("my-chain");
  });

  it("its npm test passes (runLocal, a fake, the tschains/vitest preset) and its tsconfig type-checks", async () => {
    const { stdout } = await run("npm", ["test"], { cwd: project });
    expect(stripVTControlCharacters(stdout)).toMatch(/Tests\s+2 passed \(2\)/);
    // tschains brings TypeScript; the project type-checks with its own tsconfig, decorators included.
    await run(join(project, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json"], { cwd: project });
  }, 180_000);

  it("a TypeScript 5 style project (classic node resolution, commonjs) imports tschains with its types", async () => {
    const legacy = join(project, "legacy");
    mkdirSync(legacy);
    writeFileSync(
      join(legacy, "tsconfig.json"),
      // ignoreDeprecations only because the tsc here is TypeScript 6; TypeScript 5 needs none of it.
      JSON.stringify({ compilerOptions: { module: "commonjs", moduleResolution: "node", strict: true, noEmit: true, ignoreDeprecations: "6.0", skipLibCheck: true, typeRoots: [] }, files: ["use.ts"] }),
    );
    writeFileSync(join(legacy, "use.ts"), `import type { DependsOptions } from "tschains";
export const options: DependsOptions = { retries: 2 };
export const wrong: DependsOptions = { retries: "2" };
`);
    // A sub-folder of the project: node resolution finds tschains in the project's node_modules.
    const failed = await run(join(project, "node_modules", ".bin", "tsc"), ["-p", legacy], { cwd: legacy }).catch((error: { stdout: string }) => error);
    const { stdout } = failed as { stdout: string };
    // The only error is the deliberately wrong value: the types were found and applied.
    expect(stdout).toContain("use.ts(3,");
    expect(stdout).not.toContain("TS2307");
    expect(stdout.trim().split("\n").filter((line) => line.includes("error TS"))).toHaveLength(1);
  }, 180_000);

  it("serves with `chains serve chain.ts` and answers over HTTP", async () => {
    const code = await whileServing(project, ["chain.ts"], async (url) => {
      const response = await request(`${url}/v1/run_remote`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ names: ["Ada", "Linus"] }),
      });
      expect(response.statusCode).toBe(200);
      expect(await response.body.json()).toEqual(["Hello, Ada!", "Hello, Linus!"]);
    });
    expect(code).toBe(0);
  }, 180_000);

  it("refuses to overwrite existing files, names them, and writes nothing", async () => {
    const before = readFileSync(join(project, "chain.ts"), "utf8");
    const again = await run(process.execPath, [cli, "init", project]).catch((error: { code: number; stderr: string }) => error);
    expect((again as { code: number }).code).toBe(1);
    expect((again as { stderr: string }).stderr).toContain("chain.ts, chain.test.ts, tsconfig.json, vitest.config.ts, README.md, .gitignore already exist");
    expect(readFileSync(join(project, "chain.ts"), "utf8")).toBe(before);

    const partial = join(work, "partial");
    mkdirSync(partial);
    writeFileSync(join(partial, "README.md"), "mine");
    const refused = await run(process.execPath, [cli, "init", partial]).catch((error: { code: number; stderr: string }) => error);
    expect((refused as { code: number }).code).toBe(1);
    expect((refused as { stderr: string }).stderr).toContain("writes nothing into");
    expect((refused as { stderr: string }).stderr).toContain("README.md already exists");
    expect(readdirSync(partial)).toEqual(["README.md"]);
    expect(readFileSync(join(partial, "README.md"), "utf8")).toBe("mine");
  });
});
