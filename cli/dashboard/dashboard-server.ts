import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pipeline } from "node:stream/promises";
import { request, type Dispatcher } from "undici";
import type { ChainletState } from "../../api/serve-chain.js";
import type { ChainIR, JsonSchema } from "../../compiler/chain-ir.js";
import { computeText, edgeText } from "../../emitters/deploy/emit-graph.js";
import { OTLP_TRACES_PATH } from "../../runtime-node/protocol/env.js";
import { JSON_TYPE, REQUEST_ID_HEADER, RUN_REMOTE_PATH, TRACEPARENT_HEADER } from "../../runtime-node/protocol/http.js";
import { exampleValue } from "../example-value.js";
import { bundlePage, PAGE_CSS } from "./page-assets.js";
import { TraceStore } from "./trace-store.js";

export type { ChainletState };

/** A Chainlet as the page shows it. */
export interface ChainletView {
  name: string;
  className: string;
  isEntrypoint: boolean;
  compute: string;
  state: ChainletState;
  reason?: string;
  url?: string;
  parameters: string[];
  streaming: boolean;
  /** The JSON Schema of the request body (an object keyed by parameter name), for the explorer's form. */
  inputSchema: JsonSchema;
  example: unknown;
  logs: string[];
}

/** What `GET /api/chain` answers: the graph and every Chainlet's state. */
export interface ChainView {
  name: string;
  entrypoint: string;
  chainlets: ChainletView[];
  edges: { from: string; to: string; label: string }[];
}

export interface Dashboard {
  /** `http://127.0.0.1:<port>`: the page, and the OTLP/HTTP JSON endpoint the Chainlets export to. */
  url: string;
  setState(chainlet: string, state: ChainletState, details?: { reason?: string; url?: string }): void;
  log(chainlet: string, line: string): void;
  /** Shows `ir` (after a reload under `--watch`): Chainlets that remain keep their state, URL and log lines. */
  update(ir: ChainIR): void;
  close(): Promise<void>;
}

export interface DashboardOptions {
  /** The chain; under `--watch` it is known only after the first build (see `Dashboard.update`). */
  ir?: ChainIR;
  /** The chain's internal token: the dashboard adds it to the calls it proxies, the page never sees it. */
  token: string;
  port?: number;
  /** Traces kept (default 200). */
  traceCapacity?: number;
}

const LOG_LINES = 100;
const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
const MAX_CALL_BODY = 16 * 1024 * 1024;
const MAX_EXPORT_BODY = 16 * 1024 * 1024;
/** Pages following the chain live (`GET /api/events`); more are refused with 503. */
const MAX_EVENT_STREAMS = 32;
/** Log lines arrive in bursts: the full view is pushed at most this often; state changes go out at once. */
const VIEW_PUSH_MS = 200;
const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

/**
 * The local dashboard of `chains serve`, on 127.0.0.1 only: the chain's graph, each Chainlet's state,
 * URL and last log lines, the traces the Chainlets export to it (it is their OTLP/HTTP endpoint), and
 * an API explorer whose calls go through this server, which adds the chain's token. It answers only
 * requests addressed to its own loopback host (no DNS rebinding) and refuses cross-origin posts.
 */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const { token } = options;
  const traces = new TraceStore(options.traceCapacity);
  const script = await bundlePage();
  let chainlets = new Map<string, ChainletView>();
  let view: ChainView = { name: "", entrypoint: "", chainlets: [], edges: [] };
  const streams = new Set<ServerResponse>();
  let pushTimer: NodeJS.Timeout | undefined;

  const broadcast = (event: string, data: unknown) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const stream of streams) stream.write(frame);
  };
  const pushView = () => {
    pushTimer ??= setTimeout(() => {
      pushTimer = undefined;
      broadcast("chain", currentView());
    }, VIEW_PUSH_MS);
  };
  const currentView = (): ChainView => ({ ...view, chainlets: [...chainlets.values()] });

  const update = (ir: ChainIR) => {
    const previous = chainlets;
    chainlets = new Map(
      ir.chainlets.map((c) => {
        const kept = previous.get(c.name);
        return [
          c.name,
          {
            name: c.name,
            className: c.className,
            isEntrypoint: c.isEntrypoint,
            compute: computeText(c),
            state: kept?.state ?? "starting",
            reason: kept?.reason,
            url: kept?.url,
            parameters: c.runRemote.parameters.map((p) => p.name),
            streaming: c.runRemote.streaming,
            inputSchema: c.schemas.input,
            example: exampleValue(c.schemas.input),
            logs: kept?.logs ?? [],
          },
        ];
      }),
    );
    const edges = ir.chainlets.flatMap((c) =>
      c.injections.flatMap((injection) =>
        injection.kind === "depends"
          ? [{ from: c.name, to: injection.chainlet, label: edgeText(injection.options, ir.chainlets.find((t) => t.name === injection.chainlet)?.runRemote.streaming ?? false) }]
          : [],
      ),
    );
    view = { name: ir.displayName, entrypoint: ir.entrypoint, chainlets: [], edges };
    pushView();
  };
  if (options.ir) update(options.ir);
  let origin = "";

  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer) => {
    res.writeHead(status, { ...SECURITY_HEADERS, "content-type": type, "content-length": Buffer.byteLength(body) });
    res.end(body);
  };
  const json = (res: ServerResponse, status: number, value: unknown) => send(res, status, JSON_TYPE, JSON.stringify(value));

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { error: String((error as Error)?.message ?? error) });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = req.headers.host ?? "";
    const port = new URL(origin).port;
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      req.resume();
      return json(res, 421, { error: "the dashboard answers only on its loopback address" });
    }
    const url = new URL(req.url ?? "/", origin);
    const path = url.pathname;
    if (req.method === "POST") {
      const from = req.headers.origin;
      if (from !== undefined && from !== origin && from !== `http://localhost:${port}`) {
        req.resume();
        return json(res, 403, { error: "cross-origin requests are refused" });
      }
    }
    if (req.method === "GET" && path === "/") return send(res, 200, "text/html; charset=utf-8", pageHtml(view.name || "chain"));
    if (req.method === "GET" && path === "/app.js") return send(res, 200, "text/javascript; charset=utf-8", script);
    if (req.method === "GET" && path === "/app.css") return send(res, 200, "text/css; charset=utf-8", PAGE_CSS);
    if (req.method === "GET" && path === "/api/chain") return json(res, 200, currentView());
    if (req.method === "GET" && path === "/api/events") return followEvents(res);
    if (req.method === "GET" && path === "/api/traces") return json(res, 200, traces.list());
    const traceMatch = /^\/api\/traces\/([0-9a-f]{32})$/.exec(path);
    if (req.method === "GET" && traceMatch) {
      const spans = traces.get(traceMatch[1]!);
      return spans ? json(res, 200, spans) : json(res, 404, { error: "no such trace (yet)" });
    }
    if (req.method === "POST" && path === OTLP_TRACES_PATH) {
      const body = await readLimited(req, MAX_EXPORT_BODY);
      if (body === undefined) return json(res, 413, { error: "export too large" });
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString("utf8"));
      } catch {
        return json(res, 400, { error: "the dashboard takes OTLP/HTTP JSON" });
      }
      traces.ingest(parsed);
      return json(res, 200, {});
    }
    const callMatch = /^\/api\/call\/([a-z0-9-]{1,63})$/.exec(path);
    if (req.method === "POST" && callMatch) return proxyCall(req, res, chainlets.get(callMatch[1]!));
    req.resume();
    return json(res, 404, { error: `no route ${req.method} ${path}` });
  }

  /**
   * Server-sent events: `chain` (the whole view, at once and then after changes) and `state` (one
   * Chainlet's state, the moment it changes, so a restart shows even when it takes a few milliseconds).
   */
  function followEvents(res: ServerResponse): void {
    if (streams.size >= MAX_EVENT_STREAMS) return json(res, 503, { error: "too many open dashboard pages" });
    res.writeHead(200, { ...SECURITY_HEADERS, "content-type": "text/event-stream; charset=utf-8", connection: "keep-alive" });
    res.write(`event: chain\ndata: ${JSON.stringify(currentView())}\n\n`);
    streams.add(res);
    res.once("close", () => streams.delete(res));
  }

  async function proxyCall(req: IncomingMessage, res: ServerResponse, chainlet: ChainletView | undefined): Promise<void> {
    if (!chainlet?.url) {
      req.resume();
      return json(res, 404, { error: "no such Chainlet, or it is not running" });
    }
    const body = await readLimited(req, MAX_CALL_BODY);
    if (body === undefined) return json(res, 413, { error: "body too large" });
    const headers: Record<string, string> = { "content-type": JSON_TYPE, authorization: `Bearer ${token}` };
    // The page names the call's trace, so it can open it once the spans arrive.
    const traceparent = req.headers[TRACEPARENT_HEADER];
    if (typeof traceparent === "string" && TRACEPARENT.test(traceparent)) headers[TRACEPARENT_HEADER] = traceparent;
    let answer: Dispatcher.ResponseData;
    try {
      answer = await request(`${chainlet.url}${RUN_REMOTE_PATH}`, { method: "POST", headers, body });
    } catch (error) {
      // The Chainlet went away between the view and the call (a restart, a crash): the page shows why.
      return json(res, 502, { error: `${chainlet.name} did not answer: ${(error as Error).message}` });
    }
    res.writeHead(answer.statusCode, {
      ...SECURITY_HEADERS,
      "content-type": String(answer.headers["content-type"] ?? JSON_TYPE),
      ...(answer.headers[REQUEST_ID_HEADER] ? { [REQUEST_ID_HEADER]: String(answer.headers[REQUEST_ID_HEADER]) } : {}),
    });
    res.flushHeaders();
    // Streams pass through item by item, at the page's pace: a page that stops reading stops the
    // Chainlet's stream (backpressure), and one that goes away ends it (its generators' `finally` run).
    await pipeline(answer.body, res).catch(() => undefined);
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: origin,
    setState(name, state, details = {}) {
      const chainlet = chainlets.get(name);
      if (!chainlet) return;
      chainlet.state = state;
      chainlet.reason = details.reason;
      if (details.url) chainlet.url = details.url;
      broadcast("state", { chainlet: name, state, reason: details.reason, url: chainlet.url });
      pushView();
    },
    log(name, line) {
      const chainlet = chainlets.get(name);
      if (!chainlet) return;
      chainlet.logs.push(line.slice(0, 2000));
      if (chainlet.logs.length > LOG_LINES) chainlet.logs.splice(0, chainlet.logs.length - LOG_LINES);
      pushView();
    },
    update,
    close: () =>
      new Promise((resolve) => {
        clearTimeout(pushTimer);
        for (const stream of streams) stream.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function readLimited(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function pageHtml(title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(title)} · tschains</title>
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1><span class="subtitle">tschains local dashboard</span></header>
<main id="app" aria-live="polite">Loading…</main>
</body>
</html>
`;
}
