import { Hono } from "hono";
import type { Scenario } from "./scenarios.js";

/**
 * A peer: the same service in Hono (served by @hono/node-server), calling its dependency with the
 * global `fetch`, as a Hono app written for any runtime does. No schema validation.
 */
export function honoApp(scenario: Scenario, role: "entry" | "dependency", dependencyUrl: string | undefined): Hono {
  const callDependency = async (body: Record<string, unknown>): Promise<unknown> => {
    const response = await fetch(`${dependencyUrl}/v1/run_remote`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const value: unknown = await response.json();
    if (!response.ok) throw new Error(`dependency answered ${response.status}: ${JSON.stringify(value)}`);
    return value;
  };
  const app = new Hono();
  app.get("/readyz", (c) => c.text("ok"));
  app.post("/v1/run_remote", async (c) => {
    const input = await c.req.json<Record<string, unknown>>();
    const output = role === "entry" ? await scenario.entry(input, callDependency) : scenario.dependency(input);
    return c.json(output as never);
  });
  return app;
}
