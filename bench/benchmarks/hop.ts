import { httpComparisonBenchmark } from "./http-comparison.js";

/**
 * 1. The cost of one hop: fixtures/hello (HelloAll → SayHello, one name) against the two baselines and
 * the peers (Hono, tRPC, FastAPI; not in smoke mode), and with OpenTelemetry tracing on (exporting)
 * against off.
 */
export const hopBenchmark = httpComparisonBenchmark({
  name: "hop",
  title: "Hop overhead: HelloAll → SayHello (one call per request)",
  scenario: "hello",
  fixture: "fixtures/hello/chain.ts",
  peers: true,
  keys: { rps: "hopRatio", p99: "p99Ratio", fastify: "fastifyRatio", cpu: "hopCpuRatio", tracing: "hopTracingRatio" },
});
