import { describe, expect, it } from "vitest";
import { balancedOrder } from "../bench/balanced-order.js";

/** How often each way ran right after each other way, within the cycles of one full design. */
function followCounts(n: number, cycles: number): number[][] {
  const counts = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let cycle = 0; cycle < cycles; cycle++) {
    const order = balancedOrder(n, cycle);
    for (let i = 1; i < n; i++) counts[order[i - 1]][order[i]]++;
  }
  return counts;
}

describe("balancedOrder (the binary benchmark's order of ways per cycle)", () => {
  it.each([2, 3, 4, 5, 6, 7])("runs each of %i ways once per cycle and after every other way equally often", (n) => {
    const cycles = n % 2 === 0 ? n : 2 * n;
    for (let cycle = 0; cycle < 3 * cycles; cycle++) {
      expect([...balancedOrder(n, cycle)].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    }
    const counts = followCounts(n, cycles);
    const expected = cycles / n;
    for (let before = 0; before < n; before++) {
      for (let after = 0; after < n; after++) expect(counts[before][after], `${after} after ${before}`).toBe(before === after ? 0 : expected);
    }
  });

  it("repeats the design after its last cycle", () => {
    expect(balancedOrder(6, 6)).toEqual(balancedOrder(6, 0));
    expect(balancedOrder(5, 10)).toEqual(balancedOrder(5, 0));
  });
});
