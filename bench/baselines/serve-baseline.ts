import type { AddressInfo } from "node:net";
import { fastifyServer } from "./fastify-server.js";
import { plainServer } from "./plain-server.js";
import { SCENARIOS, type ScenarioName } from "./scenarios.js";

/**
 * Child-process entry of one baseline service: `serve-baseline <plain|fastify> <scenario> <entry|dependency>`,
 * with the dependency's URL in `DEPENDENCY_URL` for an entry. Listens on 127.0.0.1 on an OS-picked
 * port and reports its URL over IPC, like a served Chainlet does.
 */
async function main(): Promise<void> {
  const [framework, scenarioName, role] = process.argv.slice(2);
  const scenario = SCENARIOS[scenarioName as ScenarioName];
  if (!scenario || (framework !== "plain" && framework !== "fastify") || (role !== "entry" && role !== "dependency")) {
    throw new Error(`usage: serve-baseline <plain|fastify> <${Object.keys(SCENARIOS).join("|")}> <entry|dependency>`);
  }
  const dependencyUrl = process.env.DEPENDENCY_URL;
  let port: number;
  if (framework === "plain") {
    const server = plainServer(scenario, role, dependencyUrl);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
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
