import { atLeast, atMost, type Benchmark } from "../benchmark.js";
import { compareHttp } from "./http-comparison.js";

/** 2. Fan-out: bench/fixtures/fan-out (Scatter → 8 concurrent Shard calls per request) against the baselines. */
export const fanOutBenchmark: Benchmark = {
  name: "fan-out",
  title: "Fan-out: Scatter → 8 concurrent Shard calls per request",
  async run(context) {
    const c = await compareHttp(context, "fan-out", "bench/fixtures/fan-out/chain.ts");
    return {
      available: true,
      columns: c.columns,
      rows: c.rows,
      ratios: { fanOutRatio: c.rpsRatio, fanOutP99Ratio: c.p99Ratio, fanOutFastifyRatio: c.fastifyRatio, fanOutCpuRatio: c.cpuRatio },
      targets: [
        atLeast("fanOutRatio ≥ 0.85 (req/s vs hand-written, worst level)", c.rpsRatio, 0.85),
        atMost("fanOutP99Ratio ≤ 1.3 (p99 vs hand-written, worst level)", c.p99Ratio, 1.3),
        atLeast("fanOutFastifyRatio ≥ 1 (req/s vs Fastify, worst level)", c.fastifyRatio, 1),
      ],
      details: { figures: c.figures, perLevel: c.perLevel },
      notes: c.notes,
    };
  },
};
