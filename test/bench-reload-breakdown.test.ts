import { describe, expect, it } from "vitest";
import { reloadBreakdown } from "../bench/benchmarks/reload.js";

describe("the reload benchmark's breakdown", () => {
  it("splits a save-to-answer time into steps that add up to it, each from the reload's own marks", () => {
    const phases = { waitMs: 30, compileMs: 300, emitMs: 200, writeMs: 20, startMs: 110, readyMs: 1, retireMs: 400 };
    // Saved at 1000; first event at 1004; rebuild ends at 1554; spawned 2 ms later; served at 1667; answered at 1690.
    const event = { kind: "reloaded" as const, files: [], restarted: ["exchange-rates"], added: [], removed: [], failed: [], ms: 663, buildMs: 552, phases, changedAt: 1004, servedAt: 1667 };
    const steps = reloadBreakdown(1000, 1690, event);
    expect(steps).toEqual({
      "save → file event": 4,
      "debounce (quiet time)": 30,
      compile: 300,
      emit: 200,
      write: 20,
      "plan + spawn": 2,
      "spawn → listening": 110,
      "listening → ready → switched": 1,
      "switched → new answer": 23,
    });
    expect(Object.values(steps).reduce((a, b) => a + b, 0)).toBe(690);
  });
});
