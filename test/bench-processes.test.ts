import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { FixtureBuild } from "../bench/fixture-build.js";
import type { SuiteResult } from "../bench/report.js";

const repo = fileURLToPath(new URL("..", import.meta.url));
const out = mkdtempSync(join(tmpdir(), "tschains-build-host-"));

afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Runs lib/'s build-host as the benchmarks do (npm test builds lib/ first) and returns its one message. */
function buildHost(entry: string, outDir: string): Promise<{ message?: FixtureBuild; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repo, "lib/bench/build-host.js"), join(repo, entry), outDir], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
    let message: FixtureBuild | undefined;
    child.once("message", (m: FixtureBuild) => (message = m));
    child.once("close", (code) => resolve({ message, code }));
  });
}

describe("the benchmarks' build process (bench/build-host)", () => {
  it("builds a fixture in a process of its own, reports its chain folder and exits", { timeout: 60_000 }, async () => {
    const { message, code } = await buildHost("fixtures/hello/chain.ts", join(out, "hello"));
    expect(code).toBe(0);
    expect(message?.failure).toBeUndefined();
    expect(existsSync(join(message!.chainDir!, "chainlets", "hello-all", "server.mjs"))).toBe(true);
    expect(existsSync(join(message!.chainDir!, "chainlets", "say-hello", "server.mjs"))).toBe(true);
  });

  it("reports a chain that does not build with its diagnostics, and writes nothing", { timeout: 60_000 }, async () => {
    const { message, code } = await buildHost("fixtures/diagnostics/ch1003-no-run-remote/chain.ts", join(out, "broken"));
    expect(code).toBe(0);
    expect(message?.chainDir).toBeUndefined();
    expect(message?.failure).toMatch(/^failed:\n[\s\S]*CH1003/);
    expect(existsSync(join(out, "broken"))).toBe(false);
  });
});

describe("npm run bench from lib/: each benchmark in a process of its own (bench/benchmark-host)", () => {
  it("runs the benchmark there and writes its result and progress as a run in this process would", { timeout: 90_000 }, async () => {
    const outDir = join(out, "results");
    const run = spawnSync(process.execPath, [join(repo, "lib/bench/run.js"), "validation", "--smoke", "--out", outDir], { encoding: "utf8", cwd: repo });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toContain("validation: ");
    const suite = JSON.parse(readFileSync(join(outDir, "validation.json"), "utf8")) as SuiteResult;
    expect(suite.benchmarks.map((b) => [b.name, b.available, b.error])).toEqual([["validation", true, undefined]]);
    expect(suite.benchmarks[0]!.rows.length).toBeGreaterThan(0);
    expect(Number.isFinite(suite.ratios.validationShare)).toBe(true);
  });
});
