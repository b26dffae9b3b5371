import { request } from "undici";
import { Packr } from "msgpackr";
import { chainletName, type ChainletClass } from "../../runtime-node/authoring/authoring.js";
import type { ChainletMeta } from "../../runtime-node/server/chainlet-meta.js";
import { startChainletServer, type RunningChainletServer } from "../../runtime-node/server/server.js";
import { compileValidators } from "./compile-validators.js";

export const SCHEMA = "https://json-schema.org/draft/2020-12/schema";
export const packr = new Packr({ moreTypes: true, useRecords: false });
type Schema = Record<string, unknown>;

/** Input schema of a runRemote whose parameters are all required. */
export function inputSchema(properties: Record<string, Schema>, optional: string[] = []): Schema {
  return { $schema: SCHEMA, type: "object", properties, required: Object.keys(properties).filter((k) => !optional.includes(k)), additionalProperties: false };
}

export interface TestChainlet {
  chainlet: ChainletClass<any>;
  input: Schema;
  output: Schema;
  optional?: string[];
  streaming?: boolean;
  isEntrypoint?: boolean;
  concurrency?: number;
  secretKeys?: string[];
  /** Dependencies: name → how to call it and its output schema. */
  dependencies?: Record<string, { parameters: string[]; output: Schema; streaming?: boolean }>;
}

export function metaOf(t: TestChainlet): ChainletMeta {
  const properties = (t.input.properties ?? {}) as Record<string, Schema>;
  return {
    name: chainletName(t.chainlet),
    chain: "test-chain",
    isEntrypoint: t.isEntrypoint ?? false,
    runRemote: { parameters: Object.keys(properties).map((name) => ({ name, optional: (t.optional ?? []).includes(name) })), streaming: t.streaming ?? false },
    injections: [],
    config: { compute: { concurrency: t.concurrency ?? 32 }, assets: { secretKeys: t.secretKeys ?? [] } },
    hasIsHealthy: false,
    dependencies: Object.fromEntries(Object.entries(t.dependencies ?? {}).map(([n, d]) => [n, { parameters: d.parameters, streaming: d.streaming ?? false }])),
  };
}

export interface Started extends RunningChainletServer {
  logs: string[];
}

const running: Started[] = [];

/** Starts a real server on 127.0.0.1, port 0; `closeAll` stops every one started. */
export async function serve(t: TestChainlet, env: Record<string, string | undefined> = {}): Promise<Started> {
  const logs: string[] = [];
  const deps = Object.fromEntries(Object.entries(t.dependencies ?? {}).map(([n, d]) => [n, d.output]));
  const server = await startChainletServer({
    chainlet: t.chainlet,
    meta: metaOf(t),
    validators: compileValidators(t.input, t.output, deps),
    env: { PORT: "0", HOST: "127.0.0.1", CHAINS_RETRY_BASE_MS: "5", CHAINS_SHUTDOWN_TIMEOUT_SEC: "5", ...env },
    logDestination: { write: (line: string) => void logs.push(line) },
  });
  const started = Object.assign(server, { logs }) as Started;
  running.push(started);
  return started;
}

export async function closeAll(): Promise<void> {
  await Promise.all(running.splice(0).map((s) => s.close()));
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
  text: string;
}

/** POSTs to /v1/run_remote (JSON unless `msgpack`), returning status, headers and decoded body. */
export async function post(url: string, body: unknown, options: { headers?: Record<string, string>; msgpack?: boolean; raw?: string | Buffer; path?: string; method?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = { "content-type": options.msgpack ? "application/msgpack" : "application/json", ...options.headers };
  const payload = options.raw ?? (options.msgpack ? packr.pack(body) : JSON.stringify(body));
  const res = await request(`${url}${options.path ?? "/v1/run_remote"}`, { method: (options.method ?? "POST") as "POST", headers, body: payload });
  const bytes = Buffer.from(await res.body.arrayBuffer());
  const type = String(res.headers["content-type"] ?? "");
  let parsed: unknown;
  try {
    parsed = type.includes("msgpack") ? packr.unpack(bytes) : type.includes("json") ? JSON.parse(bytes.toString()) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.statusCode, headers: res.headers as Answer["headers"], body: parsed, text: bytes.toString() };
}

export async function get(url: string, path: string): Promise<Answer> {
  const res = await request(`${url}${path}`);
  const text = await res.body.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.statusCode, headers: res.headers as Answer["headers"], body, text };
}
