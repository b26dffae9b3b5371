/**
 * The work of each HTTP benchmark, written once so the hand-written and Fastify baselines do exactly
 * what the tschains fixture does: same request bodies, same calls to the dependency, same answers.
 */
export interface Scenario {
  name: ScenarioName;
  /** The body the load generator posts to the entrypoint. */
  entryBody: Record<string, unknown>;
  /** The entrypoint's work, given a function that posts one body to the dependency. */
  entry(input: Record<string, unknown>, callDependency: (body: Record<string, unknown>) => Promise<unknown>): Promise<unknown>;
  dependency(input: Record<string, unknown>): unknown;
  /** JSON Schemas Fastify validates and serialises with (the same types the tschains compiler derives). */
  schemas: { entryInput: object; entryOutput: object; dependencyInput: object; dependencyOutput: object };
}

export type ScenarioName = "hello" | "fan-out";

/** fixtures/hello: HelloAll → SayHello once per name. */
const hello: Scenario = {
  name: "hello",
  entryBody: { names: ["World"] },
  async entry(input, callDependency) {
    const names = input.names as string[];
    const parts = await Promise.all(names.map((name) => callDependency({ name, excited: true })));
    return parts.join("\n");
  },
  dependency(input) {
    return `Hello, ${input.name as string}${input.excited ? "!" : "."}`;
  },
  schemas: {
    entryInput: { type: "object", properties: { names: { type: "array", items: { type: "string" } } }, required: ["names"], additionalProperties: false },
    entryOutput: { type: "string" },
    dependencyInput: {
      type: "object",
      properties: { name: { type: "string" }, excited: { type: "boolean" } },
      required: ["name"],
      additionalProperties: false,
    },
    dependencyOutput: { type: "string" },
  },
};

const shardHit = {
  type: "object",
  properties: { shard: { type: "number" }, score: { type: "number" }, label: { type: "string" } },
  required: ["shard", "score", "label"],
  additionalProperties: false,
};

/** The number of concurrent dependency calls per request in the fan-out benchmark. */
export const FAN_OUT = 8;

/** bench/fixtures/fan-out: Scatter → Shard eight times at once. */
const fanOut: Scenario = {
  name: "fan-out",
  entryBody: { query: "tschains" },
  async entry(input, callDependency) {
    const query = input.query as string;
    return Promise.all(Array.from({ length: FAN_OUT }, (_, shard) => callDependency({ query, shard })));
  },
  dependency(input) {
    const query = input.query as string;
    const shard = input.shard as number;
    return { shard, score: query.length * (shard + 1), label: `${query}#${shard}` };
  },
  schemas: {
    entryInput: { type: "object", properties: { query: { type: "string" } }, required: ["query"], additionalProperties: false },
    entryOutput: { type: "array", items: shardHit },
    dependencyInput: {
      type: "object",
      properties: { query: { type: "string" }, shard: { type: "number" } },
      required: ["query", "shard"],
      additionalProperties: false,
    },
    dependencyOutput: shardHit,
  },
};

export const SCENARIOS: Record<ScenarioName, Scenario> = { hello, "fan-out": fanOut };
