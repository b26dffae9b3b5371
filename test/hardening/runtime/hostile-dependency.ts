import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { drainedOrClosed } from "../../../runtime-node/server/respond.js";
import { ENVELOPE_LIMITS } from "../../../runtime-node/protocol/error-envelope.js";
import { JSON_TYPE, MSGPACK_SEQ_TYPE, NDJSON_TYPE } from "../../../runtime-node/protocol/http.js";

const MiB = 1024 * 1024;

/** The next request on one path, as the dependency sees it. */
export interface Watched {
  arrived: Promise<void>;
  /** Its connection closed: the caller stopped reading (or the answer ended). */
  closed: Promise<void>;
}

/**
 * A misbehaving dependency: each path answers in its own hostile way, whatever follows its first
 * segment (`/huge/v1/run_remote` is `/huge`, so a client with base URL `<url>/huge` meets it too).
 */
export interface HostileDependency {
  url: string;
  /** Watches the next request on `path` (call before making it). */
  watch(path: string): Watched;
  close(): Promise<void>;
}

/** Writes `total` bytes of `chunk` repeated (with backpressure), stopping if the reader goes away. */
async function flood(res: ServerResponse, chunk: Buffer, total: number): Promise<void> {
  for (let sent = 0; sent < total && !res.destroyed; sent += chunk.length) {
    if (!res.write(chunk)) await drainedOrClosed(res);
  }
  res.end();
}

/** A nested envelope: a `size`-character message and stack at the top, `depth` causes below it. */
function hugeEnvelope(size: number, depth: number): unknown {
  let cause: unknown = null;
  for (let i = 0; i < depth; i++) cause = { type: "Error", message: `level ${i}`, chainlet: "deep", stack: "", cause };
  return { error: { type: "Error", message: "m".repeat(size), chainlet: "liar", stack: "s".repeat(size), cause } };
}

/** `echoed`: a value the dependency repeats (what a careless service does with an input it was sent). */
const routes: Record<string, (req: IncomingMessage, res: ServerResponse, echoed: string) => void | Promise<void>> = {
  // 512 MiB with no Content-Length: only reading tells how big it is.
  "/huge": (_req, res) => {
    res.writeHead(200, { "content-type": JSON_TYPE });
    return flood(res, Buffer.alloc(MiB, 0x31), 512 * MiB);
  },
  // Announces 512 MiB and sends one byte: refused on the announcement.
  "/huge-declared": (_req, res) => {
    res.writeHead(200, { "content-type": JSON_TYPE, "content-length": String(512 * MiB) });
    res.write("1");
  },
  "/huge-error": (_req, res) => {
    const body = Buffer.from(JSON.stringify(hugeEnvelope(20 * MiB, 1000)));
    res.writeHead(500, { "content-type": JSON_TYPE, "content-length": body.length });
    res.end(body);
  },
  // Within the envelope read bound, but with a long message and stack and a thousand causes.
  "/deep-error": (_req, res) => {
    const body = Buffer.from(JSON.stringify(hugeEnvelope(300 * 1024, 1000)));
    res.writeHead(500, { "content-type": JSON_TYPE, "content-length": body.length });
    res.end(body);
  },
  // An envelope whose message and stack are cut by the caller's limits in the middle of `echoed`:
  // only the start of it is left, which the caller's redactor must still recognise.
  "/cut-secret": (_req, res, echoed) => {
    const at = (limit: number, filler: string) => filler.repeat(limit - 6) + echoed + " (echoed)";
    const error = { type: "Error", message: at(ENVELOPE_LIMITS.messageChars, "m"), chainlet: "echo", stack: at(ENVELOPE_LIMITS.stackChars, "s"), cause: null };
    res.writeHead(500, { "content-type": JSON_TYPE }).end(JSON.stringify({ error }));
  },
  // A huge error body that is not an envelope at all.
  "/huge-error-text": (_req, res) => {
    res.writeHead(502, { "content-type": "text/html" });
    return flood(res, Buffer.from("<html>\n\u001b[31mbad gateway\r\n".repeat(4096)), 256 * MiB);
  },
  // An ndjson stream whose one line never ends.
  "/endless-line": (_req, res) => {
    res.writeHead(200, { "content-type": NDJSON_TYPE });
    return flood(res, Buffer.alloc(MiB, 0x61), 256 * MiB);
  },
  // A MessagePack frame announcing 4 GiB.
  "/msgpack-huge-frame": (_req, res) => {
    res.writeHead(200, { "content-type": MSGPACK_SEQ_TYPE });
    res.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xa1]));
  },
  // A redirect to another origin (which must never see the caller's token).
  "/redirect": (req, res) => {
    res.writeHead(307, { location: `${req.headers["x-redirect-to"] ?? "http://127.0.0.1:9"}/v1/run_remote` }).end();
  },
  // A value that is not the declared output type (a number).
  "/wrong-type": (_req, res) => {
    res.writeHead(200, { "content-type": JSON_TYPE }).end(JSON.stringify({ surprise: "not a number" }));
  },
  // A well-formed Date in its JSON wire form.
  "/date": (_req, res) => {
    res.writeHead(200, { "content-type": JSON_TYPE }).end(JSON.stringify("2024-02-03T04:05:06Z"));
  },
  // Answers nothing, ever (until the caller goes away).
  "/silent": () => undefined,
  // A stream that sends a line every 20 ms, forever (until the caller goes away).
  "/slow-stream": (_req, res) => {
    res.writeHead(200, { "content-type": NDJSON_TYPE });
    const timer = setInterval(() => res.write('"tick"\n'), 20);
    res.once("close", () => clearInterval(timer));
  },
};

export async function startHostileDependency(options: { echoed?: string } = {}): Promise<HostileDependency> {
  const watchers = new Map<string, Array<{ arrived: () => void; closed: () => void }>>();
  const server: Server = createServer((req, res) => {
    const path = `/${(req.url ?? "/").split("/")[1]}`;
    req.resume();
    const watcher = watchers.get(path)?.shift();
    watcher?.arrived();
    if (watcher) res.once("close", watcher.closed);
    const route = routes[path];
    if (!route) return void res.writeHead(404).end();
    void route(req, res, options.echoed ?? "");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    watch(path) {
      let arrived!: () => void;
      let closed!: () => void;
      const watched = { arrived: new Promise<void>((r) => (arrived = r)), closed: new Promise<void>((r) => (closed = r)) };
      watchers.set(path, [...(watchers.get(path) ?? []), { arrived, closed }]);
      return watched;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
