/**
 * The order to run `n` ways in during cycle `cycle`, from a Williams design (a balanced Latin square):
 * over `n` cycles (`2n` when `n` is odd) each way runs once per cycle and follows every other way
 * equally often. Ways measured one after another in a fixed order each pay for what the way before
 * them left behind (its garbage collected, its buffers freed, during their round trip): measured, the
 * way after a raw `arrayBuffer()` read took 6–9 ms more CPU per 10 MB round trip whichever way it was
 * (bench/README.md, "Binary mode (session 6)"). Balanced, that carry-over falls on every way alike.
 */
export function balancedOrder(n: number, cycle: number): number[] {
  // First row 0, 1, n-1, 2, n-2, ...; row r adds r to each entry (mod n).
  const first = Array.from({ length: n }, (_, i) => (i === 0 ? 0 : i % 2 === 1 ? (i + 1) / 2 : n - i / 2));
  const rows = n % 2 === 0 ? n : 2 * n;
  const row = ((cycle % rows) + rows) % rows;
  const shifted = first.map((way) => (way + (row % n)) % n);
  // With an odd n one square is not balanced: its rows reversed complete it.
  return row < n ? shifted : shifted.reverse();
}
