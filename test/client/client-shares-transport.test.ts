import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineClient } from "../../runtime-node/client/index.js";
import { RETRY_FINAL, RETRY_HEADER, RUN_REMOTE_PATH } from "../../runtime-node/protocol/http.js";
import { Transport } from "../../runtime-node/transport/transport.js";

/** One scripted answer of the stand-in service. */
interface Answer {
  status: number;
  body: string;
  type?: string;
  retryAfter?: string;
  /** The `x-tschains-retry` marker a hop sets on a failure it already retried. */
  retryMarker?: string;
}

const envelope = (message: string) => ({ type: "HttpError", message, chainlet: "svc", stack: "", cause: null });
const ok: Answer = { status: 200, body: JSON.stringify({ done: true }) };
const fail = (status: number, retryAfter?: string): Answer => ({ status, body: JSON.stringify({ error: envelope(`status ${status}`) }), retryAfter });

let script: Answer[] = [];
let hits = 0;
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    hits++;
    const answer = script.shift() ?? fail(500);
    const headers: Record<string, string> = { "content-type": answer.type ?? "application/json" };
    if (answer.retryAfter !== undefined) headers["retry-after"] = answer.retryAfter;
    if (answer.retryMarker !== undefined) headers[RETRY_HEADER] = answer.retryMarker;
    response.writeHead(request.url === RUN_REMOTE_PATH ? answer.status : 404, headers).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

type Outcome = { hits: number; value?: unknown; status?: number; items?: unknown[] };

/** The two callers under test: a dependency stub's transport and the generated client's core. */
const callers: Record<string, (retries: number, streaming: boolean) => { run(items: unknown[]): Promise<void> }> = {
  stub: (retries, streaming) => {
    const transport = new Transport({ retryBaseMs: 1 });
    const endpoint = transport.endpoint("svc", baseUrl, { retries });
    return {
      async run(items) {
        try {
          if (!streaming) items.push(await endpoint.call({ x: 1 }));
          else for await (const item of endpoint.stream({ x: 1 })) items.push(item);
        } finally {
          await transport.close();
        }
      },
    };
  },
  client: (retries, streaming) => {
    const Client = defineClient({ className: "SvcClient", chainlet: "svc", parameters: ["x"], streaming, output: {} });
    const client = new Client({ baseUrl, retries });
    return {
      async run(items) {
        const answer = client.runRemote(1);
        if (!streaming) items.push(await answer);
        else for await (const item of answer as AsyncIterable<unknown>) items.push(item);
      },
    };
  },
};

async function outcome(caller: string, answers: Answer[], retries: number, streaming = false): Promise<Outcome> {
  script = [...answers];
  hits = 0;
  const items: unknown[] = [];
  try {
    await callers[caller]!(retries, streaming).run(items);
    return { hits, items };
  } catch (error) {
    return { hits, status: (error as { status?: number }).status, items };
  }
}

const line = (value: unknown) => `${JSON.stringify(value)}\n`;
const stream = (...values: unknown[]): Answer => ({ status: 200, type: "application/x-ndjson", body: values.map(line).join("") });

const cases: { name: string; answers: Answer[]; retries: number; streaming?: boolean; expected: Outcome }[] = [
  { name: "retries a 503, then answers", answers: [fail(503), ok], retries: 2, expected: { hits: 2, items: [{ done: true }] } },
  { name: "retries a 429 with Retry-After: 0", answers: [fail(429, "0"), ok], retries: 2, expected: { hits: 2, items: [{ done: true }] } },
  { name: "retries 502 and 504", answers: [fail(502), fail(504), ok], retries: 2, expected: { hits: 3, items: [{ done: true }] } },
  {
    name: "never retries a 503 that a hop behind marked final",
    answers: [{ ...fail(503), retryMarker: RETRY_FINAL }, ok],
    retries: 3,
    expected: { hits: 1, status: 503, items: [] },
  },
  { name: "never retries a 500", answers: [fail(500), ok], retries: 3, expected: { hits: 1, status: 500, items: [] } },
  { name: "never retries a 400", answers: [fail(400), ok], retries: 3, expected: { hits: 1, status: 400, items: [] } },
  { name: "gives up after its retries with the last status", answers: [fail(502), fail(502), ok], retries: 1, expected: { hits: 2, status: 502, items: [] } },
  {
    name: "a final error frame ends a stream with its status",
    answers: [stream({ n: 1 }, { error: envelope("boom"), status: 503 })],
    retries: 0,
    streaming: true,
    expected: { hits: 1, status: 503, items: [{ n: 1 }] },
  },
  {
    name: "an error frame without a status is a 500",
    answers: [stream({ error: envelope("boom") })],
    retries: 0,
    streaming: true,
    expected: { hits: 1, status: 500, items: [] },
  },
  {
    name: "an item with more keys than error and status is data",
    answers: [stream({ error: envelope("not one"), other: 1 }, { n: 2 })],
    retries: 0,
    streaming: true,
    expected: { hits: 1, items: [{ error: envelope("not one"), other: 1 }, { n: 2 }] },
  },
  {
    name: "an error value that is not an envelope is data",
    answers: [stream({ error: { message: 42 } })],
    retries: 0,
    streaming: true,
    expected: { hits: 1, items: [{ error: { message: 42 } }] },
  },
];

describe("the generated client and the dependency stubs share one behaviour", () => {
  for (const each of cases) {
    it(each.name, async () => {
      // Sequential: both callers talk to the one scripted server.
      const stub = await outcome("stub", each.answers, each.retries, each.streaming);
      const client = await outcome("client", each.answers, each.retries, each.streaming);
      expect(stub).toEqual(each.expected);
      expect(client).toEqual(each.expected);
    });
  }
});

describe("the generated client's extra headers", () => {
  it("asks a headers function once per attempt, and never lets it replace the protocol's own headers", async () => {
    const seen: Record<string, string>[] = [];
    const fetch = async (_url: string, init: RequestInit) => {
      seen.push({ ...(init.headers as Record<string, string>) });
      return new Response(JSON.stringify(seen.length < 2 ? { error: envelope("busy") } : { done: true }), {
        status: seen.length < 2 ? 503 : 200,
        headers: { "content-type": "application/json" },
      });
    };
    let n = 0;
    const Client = defineClient({ className: "SvcClient", chainlet: "svc", parameters: ["x"], streaming: false, output: {} });
    const client = new Client({ baseUrl, fetch, headers: () => ({ traceparent: `attempt-${++n}`, "content-type": "text/evil" }) });
    expect(await client.runRemote(1)).toEqual({ done: true });
    expect(seen.map((h) => h.traceparent)).toEqual(["attempt-1", "attempt-2"]);
    expect(seen.every((h) => h["content-type"] === "application/json")).toBe(true);
  });

  it("refuses headers that are neither an object nor a function", () => {
    const Client = defineClient({ className: "SvcClient", chainlet: "svc", parameters: ["x"], streaming: false, output: {} });
    expect(() => new Client({ baseUrl, headers: "traceparent: x" as never })).toThrow(/SvcClient: headers must be an object or a function/);
  });
});
