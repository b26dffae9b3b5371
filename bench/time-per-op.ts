/**
 * Mean time of one call of `op`, in microseconds: calls it in growing batches until `budgetMs` of
 * wall time has passed, after a short warm-up so the measured code is already optimised.
 */
export function microsecondsPerOp(op: () => void, budgetMs: number): number {
  for (let i = 0; i < 200; i++) op();
  let calls = 0;
  let batch = 16;
  const start = process.hrtime.bigint();
  let elapsedNs = 0n;
  while (elapsedNs < BigInt(Math.round(budgetMs * 1e6))) {
    for (let i = 0; i < batch; i++) op();
    calls += batch;
    batch = Math.min(batch * 2, 4096);
    elapsedNs = process.hrtime.bigint() - start;
  }
  return Number(elapsedNs) / 1e3 / calls;
}
