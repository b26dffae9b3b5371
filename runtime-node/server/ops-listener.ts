import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { ChainletResponse } from "./chainlet-response.js";
import { runtimeError } from "../errors/errors.js";
import { toEnvelope } from "../errors/error-envelope.js";
import { ENV } from "../protocol/env.js";
import { JSON_TYPE, OPERATIONAL_PATHS } from "../protocol/http.js";
import { encode } from "../wire/wire-codec.js";

type Handler = (req: IncomingMessage, res: ChainletResponse) => void;

const isOpsRoute = (req: IncomingMessage) => OPERATIONAL_PATHS.has((req.url ?? "/").split("?")[0]!);

function notFound(req: IncomingMessage, res: ServerResponse, chainlet: string, routes: readonly string[]): void {
  req.resume();
  const error = runtimeError("CH2106", { method: req.method, path: (req.url ?? "/").split("?")[0]!, routes });
  const body = encode("json", { error: toEnvelope(error, chainlet, (text) => text) });
  res.writeHead(404, { "content-type": JSON_TYPE, "content-length": body.length });
  res.end(body);
}

/**
 * When `CHAINS_OPS_PORT` is set, moves `/healthz`, `/readyz` and `/metrics` from `server` to a listener of
 * their own on that port (same host, same handler, so readiness and metrics are the server's own), and
 * answers 404 for them on the service port: a public Service or Ingress in front of the service port
 * never exposes them, while the kubelet and Prometheus reach them on the ops port. The ops listener
 * closes with `server`. Without the variable nothing changes.
 */
export async function splitOpsRoutes(server: Server, handler: Handler, env: Record<string, string | undefined>, host: string, chainlet: string): Promise<void> {
  const raw = env[ENV.opsPort];
  if (raw === undefined || raw === "") return;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw runtimeError("CH2130", { variable: ENV.opsPort, problem: `must be an integer from 1 to 65535, got ${JSON.stringify(raw)}` });
  }
  const ops = createServer({ keepAliveTimeout: 5_000, ServerResponse: ChainletResponse }, (req, res) => (isOpsRoute(req) ? handler(req, res) : notFound(req, res, chainlet, [...OPERATIONAL_PATHS])));
  await new Promise<void>((resolve, reject) => {
    ops.once("error", reject);
    ops.listen(port, host, () => {
      ops.off("error", reject);
      resolve();
    });
  });
  server.off("request", handler);
  server.on("request", (req: IncomingMessage, res: ChainletResponse) => (isOpsRoute(req) ? notFound(req, res, chainlet, [`served on ${ENV.opsPort}`]) : handler(req, res)));
  server.once("close", () => {
    ops.close();
    ops.closeAllConnections();
  });
}
