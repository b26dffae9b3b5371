import { createServer, type IncomingMessage, type Server } from "node:http";
import { Pool } from "undici";
import type { Scenario } from "./scenarios.js";
import { dependencyCaller } from "./dependency-caller.js";

/**
 * The hand-written baseline: what a careful developer writes without a framework. node:http, the
 * body read and parsed by hand, the dependency called through a keep-alive undici Pool. No
 * validation, auth, tracing or metrics: the floor tschains' overhead is measured against.
 */
export function plainServer(scenario: Scenario, role: "entry" | "dependency", dependencyUrl: string | undefined): Server {
  const callDependency = role === "entry" ? dependencyCaller(new Pool(dependencyUrl!, { connections: 300 })) : undefined;
  return createServer((req, res) => {
    if (req.method === "GET") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
      return;
    }
    readJson(req)
      .then((input) => (callDependency ? scenario.entry(input, callDependency) : scenario.dependency(input)))
      .then((output) => {
        const body = JSON.stringify(output);
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body);
      })
      .catch((error: unknown) => {
        const body = JSON.stringify({ error: { message: (error as Error).message } });
        res.writeHead(500, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body);
      });
  });
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
}
