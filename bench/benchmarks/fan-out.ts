import { httpComparisonBenchmark } from "./http-comparison.js";

/** 2. Fan-out: bench/fixtures/fan-out (Scatter → 8 concurrent Shard calls per request) against the baselines. */
export const fanOutBenchmark = httpComparisonBenchmark({
  name: "fan-out",
  title: "Fan-out: Scatter → 8 concurrent Shard calls per request",
  scenario: "fan-out",
  fixture: "bench/fixtures/fan-out/chain.ts",
  keys: { rps: "fanOutRatio", p99: "fanOutP99Ratio", fastify: "fanOutFastifyRatio", cpu: "fanOutCpuRatio" },
});
