import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { fastifyServer } from "./fastify-server.js";
import { honoApp } from "./hono-server.js";
import { plainServer } from "./plain-server.js";
import { SCENARIOS, type ScenarioName } from "./scenarios.js";
import { trpcServer } from "./trpc-server.js";

const FRAMEWORKS = ["plain", "fastify", "hono", "trpc"];

/**
 * Child-process entry of one baseline service: `serve-baseline <plain|fastify|hono|trpc> <scenario> <entry|dependency>`,
 * with the dependency's URL in `DEPENDENCY_URL` for an entry. Listens on 127.0.0.1 on an OS-picked
 * port and reports its URL over IPC, like a served Chainlet does.
 */
async function main(): Promise<void> {
  const [framework, scenarioName, role] = process.argv.slice(2);
  const scenario = SCENARIOS[scenarioName as ScenarioName];
  if (!scenario || !FRAMEWORKS.includes(framework) || (role !== "entry" && role !== "dependency")) {
    throw new Error(`usage: serve-baseline <${FRAMEWORKS.join("|")}> <${Object.keys(SCENARIOS).join("|")}> <entry|dependency>`);
  }
  const dependencyUrl = process.env.DEPENDENCY_URL;
  let port: number;
  if (framework === "plain" || framework === "trpc") {
    const server = framework === "plain" ? plainServer(scenario, role, dependencyUrl) : trpcServer(scenario, role, dependencyUrl);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  } else if (framework === "hono") {
    port = await new Promise<number>((resolve) => serve({ fetch: honoApp(scenario, role, dependencyUrl).fetch, port: 0, hostname: "127.0.0.1" }, (info) => resolve(info.port)));
  } else {
    const app = fastifyServer(scenario, role, dependencyUrl);
    await app.listen({ port: 0, host: "127.0.0.1" });
    port = (app.server.address() as AddressInfo).port;
  }
  process.send?.({ type: "listening", url: `http://127.0.0.1:${port}` });
  process.on("SIGTERM", () => process.exit(0));
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
