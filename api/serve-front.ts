import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pipeline } from "node:stream/promises";
import { Pool } from "undici";
import { statusOf, toEnvelope } from "../runtime-node/errors/error-envelope.js";
import { runtimeError } from "../runtime-node/errors/errors.js";
import { JSON_TYPE } from "../runtime-node/protocol/http.js";

/**
 * A Chainlet's stable address under `chains serve --watch`: a loopback port that forwards every request
 * to the Chainlet's current process. A reload starts the new process next to the old one and switches the
 * front only once the new one is ready, so callers keep one URL, calls in flight finish on the old
 * process (which then drains on SIGTERM), and calls arriving meanwhile are answered by the old one.
 */
export interface ServeFront {
  /** The stable base URL callers use. */
  url: string;
  /** Sends new requests to `target` from now on; requests already forwarded keep their process. */
  switchTo(target: string): void;
  close(): Promise<void>;
}

// Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and are not forwarded.
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "host"]);

function forwardable(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !HOP_BY_HOP.has(name.toLowerCase())) out[name] = value;
  return out;
}

/** The error answer of a front whose process could not be reached: a runtime envelope, as a Chainlet's own. */
function unreachableAnswer(chainlet: string, error: unknown): { status: number; body: string } {
  const failure = runtimeError("CH2190", { reason: (error as Error).message });
  return { status: statusOf(failure), body: JSON.stringify({ error: toEnvelope(failure, chainlet, (text) => text) }) };
}

/** Listens on 127.0.0.1:`port` (0: any free port) for Chainlet `chainlet`; requests wait until the first `switchTo`. */
export async function startServeFront(chainlet: string, port = 0): Promise<ServeFront> {
  let pool: Pool | undefined;
  let firstTarget: (() => void) | undefined;
  const ready = new Promise<void>((resolve) => (firstTarget = resolve));
  const retired: Pool[] = [];

  const server: Server = createServer((req, res) => {
    void (async () => {
      await ready;
      const upstream = pool!;
      const controller = new AbortController();
      res.once("close", () => !res.writableFinished && controller.abort());
      try {
        const answer = await upstream.request({
          path: req.url ?? "/",
          method: (req.method ?? "GET") as "GET",
          headers: forwardable(req.headers),
          body: req.method === "GET" || req.method === "HEAD" ? undefined : req,
          signal: controller.signal,
          headersTimeout: 0,
          bodyTimeout: 0,
        });
        res.writeHead(answer.statusCode, forwardable(answer.headers));
        res.flushHeaders();
        await pipeline(answer.body, res);
      } catch (error) {
        if (res.headersSent) res.destroy(error as Error);
        else {
          const { status, body } = unreachableAnswer(chainlet, error);
          res.writeHead(status, { "content-type": JSON_TYPE });
          res.end(body);
        }
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    switchTo(target) {
      if (pool) retired.push(pool);
      // Retired pools close gracefully: their in-flight requests complete, then the connections go.
      for (const old of retired.splice(0)) void old.close();
      pool = new Pool(target, { connections: 64, pipelining: 1 });
      firstTarget?.();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool?.close();
    },
  };
}
