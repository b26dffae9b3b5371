import Fastify, { type FastifyInstance } from "fastify";
import { Pool } from "undici";
import type { Scenario } from "./scenarios.js";
import { dependencyCaller } from "./dependency-caller.js";

/**
 * The framework baseline: the same service in Fastify, with its JSON Schema validation of the body
 * and its schema-compiled serialisation of the answer (fast-json-stringify), its logger on as shipped
 * (`logger: true`: a JSON line per request received and per answer, to stdout).
 */
export function fastifyServer(scenario: Scenario, role: "entry" | "dependency", dependencyUrl: string | undefined): FastifyInstance {
  const callDependency = role === "entry" ? dependencyCaller(new Pool(dependencyUrl!, { connections: 300 })) : undefined;
  const app = Fastify({ logger: true });
  const schemas = scenario.schemas;
  app.get("/readyz", async () => "ok");
  app.post(
    "/v1/run_remote",
    {
      schema: {
        body: role === "entry" ? schemas.entryInput : schemas.dependencyInput,
        response: { 200: role === "entry" ? schemas.entryOutput : schemas.dependencyOutput },
      },
    },
    async (request, reply) => {
      const input = request.body as Record<string, unknown>;
      const output = callDependency ? await scenario.entry(input, callDependency) : scenario.dependency(input);
      // Fastify sends a returned string as text/plain, unserialised; a JSON API must quote it.
      return typeof output === "string" ? reply.type("application/json").send(reply.serialize(output)) : output;
    },
  );
  return app;
}
