import { atLeast, atMost, type Benchmark } from "../benchmark.js";
import { compareHttp } from "./http-comparison.js";

/** 1. The cost of one hop: fixtures/hello (HelloAll → SayHello, one name) against the two baselines. */
export const hopBenchmark: Benchmark = {
  name: "hop",
  title: "Hop overhead: HelloAll → SayHello (one call per request)",
  async run(context) {
    const c = await compareHttp(context, "hello", "fixtures/hello/chain.ts");
    return {
      available: true,
      columns: c.columns,
      rows: c.rows,
      ratios: { hopRatio: c.rpsRatio, p99Ratio: c.p99Ratio, fastifyRatio: c.fastifyRatio, hopCpuRatio: c.cpuRatio },
      targets: [
        atLeast("hopRatio ≥ 0.85 (req/s vs hand-written, worst level)", c.rpsRatio, 0.85),
        atMost("p99Ratio ≤ 1.3 (p99 vs hand-written, worst level)", c.p99Ratio, 1.3),
        atLeast("fastifyRatio ≥ 1 (req/s vs Fastify, worst level)", c.fastifyRatio, 1),
      ],
      details: { figures: c.figures, perLevel: c.perLevel },
      notes: c.notes,
    };
  },
};
