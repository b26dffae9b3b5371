import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChainletBase, RemoteError, depends, runLocal, type ChainSchemas } from "tschains";
import { buildChain } from "../api/build-chain.js";
import { serveChain, type ServedChain } from "../api/serve-chain.js";
import { chainValidators } from "../presets/vitest.js";
import { wireCopy } from "../runtime-node/wire/wire-safety.js";
import { Shop, type Mode } from "./fixtures/wire-edges/chain.js";

const entryFile = join(import.meta.dirname, "fixtures", "wire-edges", "chain.ts");

/**
 * What a call of the chain ends in: the answer, or the status the dependency answered the entrypoint
 * with and the dependency's error code and message.
 */
type Outcome = { ok: true; value: unknown } | { ok: false; status: number; code: string | undefined; message: string };

async function locally(mode: Mode, schemas?: ChainSchemas): Promise<Outcome> {
  const shop = await runLocal(Shop, { schemas });
  try {
    return { ok: true, value: await shop.runRemote(mode) };
  } catch (error) {
    if (!(error instanceof RemoteError)) throw error;
    return { ok: false, status: error.status, code: error.envelope.code, message: error.envelope.message };
  }
}

describe("runLocal checks what crosses an edge as the served hop does (fixture test/fixtures/wire-edges)", () => {
  let outDir: string;
  let served: ServedChain;
  let schemas: ChainSchemas;

  async function overHttp(mode: Mode): Promise<Outcome> {
    const response = await request(`${served.url}/v1/run_remote`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ mode }) });
    const body = (await response.body.json()) as any;
    if (response.statusCode === 200) return { ok: true, value: body };
    // The entrypoint passes the dependency's refusal on: its envelope is the cause, and the entrypoint's
    // message names the status the dependency answered (`dependency "pricer" failed: 400 ...`).
    const status = Number(/dependency "pricer" failed: (\d{3})/.exec(body.error.message)?.[1]);
    return { ok: false, status, code: body.error.cause?.code, message: body.error.cause?.message };
  }

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), "tschains-wire-edges-"));
    const built = await buildChain(entryFile, { outDir });
    if (!built.ok) throw new Error(JSON.stringify(built.diagnostics));
    served = await serveChain({ chainDir: built.chainDir });
    schemas = await chainValidators(entryFile);
  }, 180_000);

  afterAll(async () => {
    await served?.stop();
    rmSync(outDir, { recursive: true, force: true });
  });

  it("with the build's schemas: each value gets the served hop's status and callee error code; a wrong type the very same message", async () => {
    for (const mode of ["ok", "wrong-type", "extra-property", "class-instance", "function", "not-a-number"] as const) {
      const [local, remote] = [await locally(mode, schemas), await overHttp(mode)];
      if (remote.ok) {
        expect(local, mode).toEqual(remote);
        continue;
      }
      expect(local.ok, mode).toBe(false);
      if (local.ok) continue;
      expect({ status: local.status, code: local.code }, mode).toEqual({ status: remote.status, code: remote.code });
      if (mode === "wrong-type") expect(local.message).toBe(remote.message);
    }
  });

  it("without schemas (the default): values the wire cannot carry fail, naming the path and why; plain values pass as copies", async () => {
    expect(await locally("ok")).toEqual({ ok: true, value: { total: 10, sku: "TEA", quantityAfter: 2 } });
    expect(await locally("class-instance")).toMatchObject({ status: 400, code: "CH2101", message: expect.stringContaining("/0/quantity: is a Money instance") });
    expect(await locally("function")).toMatchObject({ status: 400, code: "CH2101", message: expect.stringContaining("/0/sku: is a function") });
    expect(await locally("not-a-number")).toMatchObject({ status: 400, code: "CH2101", message: expect.stringContaining("/0/quantity: is NaN") });
    // A type error needs the schemas; without them the value crosses as it is.
    expect(await locally("wrong-type")).toMatchObject({ ok: true });
  });

  it("loads the same validators from a build folder as from the entry file", async () => {
    const fromBuild = await chainValidators(join(outDir, served.ir.name));
    expect(Object.keys(fromBuild).sort()).toEqual(Object.keys(schemas).sort());
    expect(fromBuild.pricer!.parameters).toEqual(["order", "discount"]);
    expect(await locally("wrong-type", fromBuild)).toMatchObject({ ok: false, status: 400, code: "CH2101" });
  });
});

class Echo extends ChainletBase {
  async runRemote(value: unknown): Promise<unknown> {
    if (value === "map") return new Map([["a", 1]]);
    return value;
  }
}

class Counter extends ChainletBase {
  async *runRemote(count: number): AsyncGenerator<unknown> {
    for (let i = 0; i < count; i++) yield i === 1 ? { at: i, bad: 10n } : { at: i };
  }
}

class Caller extends ChainletBase {
  constructor(
    private readonly echo = depends(Echo),
    private readonly binaryEcho = depends(Echo, { binary: true }),
    private readonly counter = depends(Counter),
  ) {
    super();
  }

  async runRemote(what: string): Promise<unknown> {
    if (what === "cycle") {
      const plain: Record<string, unknown> = {};
      plain.self = plain;
      return this.echo.runRemote(plain);
    }
    if (what === "binary-nan") return this.binaryEcho.runRemote(Number.NaN);
    if (what === "json-infinity") return this.echo.runRemote([1, Infinity]);
    if (what === "answer") return this.echo.runRemote("map");
    const items: unknown[] = [];
    for await (const item of this.counter.runRemote(3)) items.push(item);
    return items;
  }
}

describe("runLocal's wire check, without the build", () => {
  it("names a cycle, a non-finite number in JSON, an answer and a stream item the wire cannot carry; binary: true keeps NaN", async () => {
    const caller = await runLocal(Caller);
    const failure = async (what: string) => {
      const error = await caller.runRemote(what).then(() => undefined, (e: unknown) => e);
      expect(error, what).toBeInstanceOf(RemoteError);
      return { status: (error as RemoteError).status, message: (error as RemoteError).envelope.message };
    };
    expect(await failure("cycle")).toEqual({ status: 400, message: expect.stringContaining("/0/self: refers to an object that contains it") });
    expect(await failure("json-infinity")).toEqual({ status: 400, message: expect.stringContaining("/0/1: is Infinity") });
    expect(await failure("answer")).toEqual({ status: 500, message: expect.stringContaining("/: is a Map instance") });
    expect(await failure("stream")).toEqual({ status: 500, message: expect.stringContaining("yielded an item that does not match") });
    expect(await caller.runRemote("binary-nan")).toBeNaN();
  });

  it("checkEdges: false passes values by reference, unchecked", async () => {
    const caller = await runLocal(Caller, { checkEdges: false });
    expect(await caller.runRemote("answer")).toBeInstanceOf(Map);
  });
});

describe("wireCopy, the copy runLocal hands across an edge", () => {
  it("copies Dates, typed arrays and Buffers into their own memory, keeps a __proto__ key as data and leaves undefined properties out", () => {
    const bytes = Buffer.from([1, 2, 3]);
    const floats = new Float32Array([1.5, 2.5]);
    const when = new Date("2026-01-02T03:04:05Z");
    const value = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    Object.assign(value, { bytes, floats, when, skipped: undefined });
    const copied = wireCopy(value, false);
    expect(copied.ok).toBe(true);
    const copy = (copied.ok ? copied.value : {}) as Record<string, any>;
    bytes[0] = 9;
    floats[0] = 9;
    expect([...copy.bytes]).toEqual([1, 2, 3]);
    expect(Buffer.isBuffer(copy.bytes)).toBe(true);
    expect(copy.floats).toEqual(new Float32Array([1.5, 2.5]));
    expect(copy.when).toEqual(when);
    expect(copy.when).not.toBe(when);
    expect(Object.keys(copy)).toEqual(["__proto__", "bytes", "floats", "when"]);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
  });
});
