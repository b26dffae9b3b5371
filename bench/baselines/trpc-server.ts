import { createTRPCClient, httpLink } from "@trpc/client";
import { initTRPC } from "@trpc/server";
import { createHTTPServer } from "@trpc/server/adapters/standalone";
import type { Server } from "node:http";
import { z } from "zod";
import type { Scenario, ScenarioName } from "./scenarios.js";

/** The path of the peers' one procedure: tRPC names it after the procedure, not `/v1/run_remote`. */
export const TRPC_PROCEDURE = "run_remote";

const shardHit = z.object({ shard: z.number(), score: z.number(), label: z.string() }).strict();

/** The scenarios' types as zod schemas (what a tRPC service validates with). */
const SCHEMAS = {
  hello: {
    entryInput: z.object({ names: z.array(z.string()) }).strict(),
    entryOutput: z.string(),
    dependencyInput: z.object({ name: z.string(), excited: z.boolean().optional() }).strict(),
    dependencyOutput: z.string(),
  },
  "fan-out": {
    entryInput: z.object({ query: z.string() }).strict(),
    entryOutput: z.array(shardHit),
    dependencyInput: z.object({ query: z.string(), shard: z.number() }).strict(),
    dependencyOutput: shardHit,
  },
} satisfies Record<ScenarioName, unknown>;

/**
 * A peer: the same service as a tRPC 11 router (zod input and output validation) on tRPC's standalone
 * node:http adapter; the entry calls its dependency with tRPC's client (`httpLink`, which uses `fetch`).
 * The answer is tRPC's envelope `{"result":{"data":...}}` at `POST /run_remote`.
 */
export function trpcServer(scenario: Scenario, role: "entry" | "dependency", dependencyUrl: string | undefined): Server {
  const t = initTRPC.create();
  const schemas = SCHEMAS[scenario.name];
  const dependencyRouter = t.router({
    [TRPC_PROCEDURE]: t.procedure
      .input(schemas.dependencyInput)
      .output(schemas.dependencyOutput)
      .mutation(({ input }) => scenario.dependency(input) as never),
  });
  const client = role === "entry" ? createTRPCClient<typeof dependencyRouter>({ links: [httpLink({ url: dependencyUrl! })] }) : undefined;
  const router =
    role === "entry"
      ? t.router({
          [TRPC_PROCEDURE]: t.procedure
            .input(schemas.entryInput)
            .output(schemas.entryOutput)
            .mutation(({ input }) => scenario.entry(input, (body) => client![TRPC_PROCEDURE].mutate(body as never)) as never),
        })
      : dependencyRouter;
  return createHTTPServer({ router });
}
