import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PRETENURING_STOPPED } from "../../runtime-node/transport/pretenuring.js";
import { bundleServerEntry, eachLine } from "./bundled-child.js";

let dir: string;
let bundle: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tschains-pretenuring-"));
  bundle = join(dir, "entry.mjs");
  await bundleServerEntry(fileURLToPath(new URL("./pretenuring-entry.ts", import.meta.url)), bundle);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("a process that calls out runs without V8's allocation-site pretenuring on Node 20", () => {
  it("stops pretenuring once its first dependency pool is made (V8 reports pretenuring before, none after; on newer Nodes, both)", async () => {
    const child = spawn(process.execPath, ["--trace-pretenuring-statistics", bundle], { stdio: ["ignore", "pipe", "inherit"] });
    const phases: Record<string, number> = { start: 0 };
    let phase = "start";
    eachLine(child.stdout!, (line) => {
      if (/^[A-Z-]+$/.test(line)) phases[(phase = line)] = 0;
      else if (line.includes("pretenuring:")) phases[phase]!++;
    });
    const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
    expect(code).toBe(0);
    // The same allocations: reported while pretenuring is on (so the trace is live), not once it is off.
    expect(Object.keys(phases)).toEqual(["start", "BEFORE-CALLS", "CALLED", "DONE"]);
    expect(phases.start).toBeGreaterThan(0);
    if (PRETENURING_STOPPED) expect(phases.CALLED).toBe(0);
    else expect(phases.CALLED).toBeGreaterThan(0);
  }, 30_000);
});
