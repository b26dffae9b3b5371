import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { buildChain } from "../../api/build-chain.js";
import { compileChain } from "../../compiler/compile-chain.js";
import type { ChainIR } from "../../compiler/chain-ir.js";
import { EmitError } from "../../emitters/emit-error.js";
import { generateValidatorCode } from "../../emitters/validator-code.js";
import { validatorCodeInWorker } from "../../emitters/validator-code-worker.js";
import { repoRoot } from "./build-fixture.js";

/** When set, every worker thread started runs this script instead of the one asked for: a worker that fails. */
const sabotage = vi.hoisted(() => ({ script: undefined as string | undefined, started: [] as import("node:worker_threads").Worker[] }));
vi.mock("node:worker_threads", async (importOriginal) => {
  const original = await importOriginal<typeof import("node:worker_threads")>();
  class Worker extends original.Worker {
    constructor(script: string | URL, options?: import("node:worker_threads").WorkerOptions) {
      if (sabotage.script === undefined) super(script, options);
      else super(sabotage.script, { eval: true });
      sabotage.started.push(this);
    }
  }
  return { ...original, Worker };
});

/** From now on every new worker runs `script`; the process's kept worker is ended, so the next build starts one. */
async function sabotageWorkers(script: string | undefined): Promise<void> {
  sabotage.script = script;
  await Promise.all(sabotage.started.splice(0).map((worker) => worker.terminate()));
}

/** `chains build` generates the validators on a worker thread while it type-checks the chain. */
describe.sequential("validators generated on a worker thread", () => {
  let dir: string;
  let ir: ChainIR;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "tschains-validator-worker-"));
    cpSync(join(repoRoot, "fixtures", "checkout"), join(dir, "src"), { recursive: true });
    const compiled = compileChain(join(dir, "src", "chain.ts"));
    expect(compiled.ir, JSON.stringify(compiled.diagnostics)).not.toBeNull();
    ir = compiled.ir!;
  }, 120_000);
  afterAll(async () => {
    await sabotageWorkers(undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it("are the same text as generated in this thread, build after build in the one kept worker", async () => {
    const here = generateValidatorCode(ir.chainlets);
    const [first, second] = await Promise.all([validatorCodeInWorker(ir.chainlets).result, validatorCodeInWorker(ir.chainlets).result]);
    expect([...first.served.keys()]).toEqual(ir.chainlets.map((chainlet) => chainlet.name));
    expect(first).toEqual(here);
    expect(second).toEqual(here);
    expect(sabotage.started).toHaveLength(1);
  }, 120_000);

  it("give up a cancelled job without affecting the next one", async () => {
    const cancelled = validatorCodeInWorker(ir.chainlets);
    cancelled.cancel();
    await expect(cancelled.result).rejects.toMatchObject({ code: "CH1412" });
    expect(await validatorCodeInWorker(ir.chainlets).result).toEqual(generateValidatorCode(ir.chainlets));
  }, 120_000);

  it("report a schema ajv rejects as CH1410, as in this thread", async () => {
    const broken = [{ name: "broken", dependencies: [], schemas: { input: { type: "nonsense" }, output: { type: "string" } } }];
    const inWorker = await validatorCodeInWorker(broken).result.catch((error: unknown) => error);
    expect(inWorker).toBeInstanceOf(EmitError);
    expect((inWorker as EmitError).code).toBe("CH1410");
    expect(() => generateValidatorCode(broken)).toThrow((inWorker as EmitError).message);
  }, 120_000);

  for (const [failure, script, reason] of [
    ["exits", "process.exit(3)", "exited with code 3 before answering"],
    ["throws", "throw new Error('the validators worker exploded')", "the validators worker exploded"],
  ] as const) {
    it(`fail the build with CH1412 and leave the previous output untouched when the worker ${failure}`, async () => {
      const outDir = join(dir, `out-${failure}`);
      const first = await buildChain(join(dir, "src", "chain.ts"), { outDir });
      expect(first.ok, JSON.stringify(first.diagnostics)).toBe(true);
      const before = snapshot(first.chainDir);

      await sabotageWorkers(script);
      try {
        const failed = await buildChain(join(dir, "src", "chain.ts"), { outDir });
        expect(failed.ok).toBe(false);
        const errors = failed.diagnostics.filter((d) => d.category === "error");
        expect(errors.map((d) => d.code)).toEqual(["CH1412"]);
        expect(errors[0]!.message).toContain(reason);
      } finally {
        await sabotageWorkers(undefined);
      }
      expect(snapshot(first.chainDir)).toEqual(before);
      expect(readdirSync(outDir)).toEqual([ir.name]);
    }, 120_000);
  }
});

/** Every file under `root` with its contents. */
function snapshot(root: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (relative: string) => {
    for (const entry of readdirSync(join(root, relative), { withFileTypes: true })) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path);
      else files[path] = readFileSync(join(root, path), "base64");
    }
  };
  if (existsSync(root)) walk("");
  return files;
}
