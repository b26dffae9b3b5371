import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChainletMetrics } from "../../runtime-node/observability/metrics.js";
import { Transport } from "../../runtime-node/transport/transport.js";
import { bundleServerEntry, eachLine } from "./bundled-child.js";
import { get, post } from "./harness.js";

const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** The metrics as the runtime declared them with plain prom-client objects before the registry became lazy. */
function referenceMetrics(chainlet: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ chainlet });
  const registers = [registry];
  const gates = { inFlight: 2, queued: 1, depInFlight: 3, depQueued: 0 };
  const metrics = {
    registry,
    requests: new Counter({ name: "chains_requests_total", help: "HTTP requests answered, by route and status", labelNames: ["route", "status"], registers }),
    duration: new Histogram({ name: "chains_request_duration_seconds", help: "Time to answer a request (whole stream for streams)", labelNames: ["route"], buckets: LATENCY_BUCKETS, registers }),
    rejected: new Counter({ name: "chains_run_remote_rejected_total", help: "Requests refused with 503 because the queue was full", registers }),
    depCalls: new Counter({ name: "chains_dependency_calls_total", help: "Calls to a dependency, by outcome", labelNames: ["dependency", "outcome"], registers }),
    depDuration: new Histogram({ name: "chains_dependency_call_duration_seconds", help: "Duration of dependency calls, retries included", labelNames: ["dependency"], buckets: LATENCY_BUCKETS, registers }),
    depRetries: new Counter({ name: "chains_dependency_retries_total", help: "Retried attempts of dependency calls", labelNames: ["dependency"], registers }),
    depRetriesThrottled: new Counter({ name: "chains_dependency_retries_throttled_total", help: "Retries of dependency calls the retry budget did not allow", labelNames: ["dependency"], registers }),
    depErrors: new Counter({ name: "chains_dependency_errors_total", help: "Failed dependency calls, by kind (remote, timeout, connection, protocol, cancelled)", labelNames: ["dependency", "kind"], registers }),
    unknownDropped: new Counter({
      name: "chains_unknown_properties_dropped_total",
      help: "Object properties the schema does not declare, dropped by the tolerant wire: in requests from other Chainlets (read=input) and in a dependency's answers (read=output)",
      labelNames: ["read", "dependency"],
      registers,
    }),
  };
  new Gauge({ name: "chains_run_remote_in_flight", help: "runRemote calls running now", registers }).set(gates.inFlight);
  new Gauge({ name: "chains_run_remote_queued", help: "runRemote calls waiting for a concurrency slot", registers }).set(gates.queued);
  new Gauge({ name: "chains_dependency_in_flight", help: "Dependency calls in flight", labelNames: ["dependency"], registers }).set({ dependency: "Shard" }, gates.depInFlight);
  new Gauge({ name: "chains_dependency_queued", help: "Dependency calls waiting for the concurrencyLimit", labelNames: ["dependency"], registers }).set({ dependency: "Shard" }, gates.depQueued);
  return { metrics, gates };
}

/** The text of every family but the process metrics (whose values change from one read to the next), and their names. */
function split(text: string): { own: string; processFamilies: string[] } {
  const blocks = text.split(/\n(?=# HELP )/);
  return {
    own: blocks.filter((block) => !block.startsWith("# HELP chains_process_")).join("\n"),
    processFamilies: blocks.filter((block) => block.startsWith("# HELP chains_process_")).map((block) => block.split(" ")[2]!),
  };
}

describe("metrics made at the first scrape", () => {
  it("render exactly what the same prom-client metrics render, process metrics included", async () => {
    const ours = new ChainletMetrics("c");
    const { metrics: theirs, gates } = referenceMetrics("c");
    ours.watchRunGate({ inFlight: gates.inFlight, queued: gates.queued });
    ours.watchGate("Shard", { inFlight: gates.depInFlight, queued: gates.depQueued });
    for (const [route, status, seconds] of [["/v1/run_remote", 200, 0.004], ["/v1/run_remote", 200, 0.2], ["/v1/run_remote", 400, 0.0005], ["/readyz", 503, 0.001]] as const) {
      ours.requestDone(route, status, seconds);
      theirs.requests.inc({ route, status: String(status) });
      theirs.duration.observe({ route }, seconds);
    }
    for (const [outcome, seconds] of [["ok", 0.03], ["error", 7], ["ok", 0.01]] as const) {
      ours.callFinished("Shard", outcome, seconds);
      theirs.depCalls.inc({ dependency: "Shard", outcome });
      theirs.depDuration.observe({ dependency: "Shard" }, seconds);
    }
    ours.shed();
    ours.shed();
    theirs.rejected.inc(2);
    ours.retried("Shard");
    ours.retried("Shard");
    theirs.depRetries.inc({ dependency: "Shard" }, 2);
    ours.retryThrottled("Shard");
    theirs.depRetriesThrottled.inc({ dependency: "Shard" });
    ours.failed("Shard", "timeout");
    ours.failed("Shard", "remote");
    ours.failed("Shard", "timeout");
    theirs.depErrors.inc({ dependency: "Shard", kind: "timeout" }, 2);
    theirs.depErrors.inc({ dependency: "Shard", kind: "remote" });
    ours.unknownPropertiesDropped("input", "", 3);
    ours.unknownPropertiesDropped("output", "Shard", 1);
    theirs.unknownDropped.inc({ read: "input", dependency: "" }, 3);
    theirs.unknownDropped.inc({ read: "output", dependency: "Shard" }, 1);

    const first = await ours.scrape();
    expect(first.contentType).toBe(theirs.registry.contentType);
    const mine = split(first.text);
    expect(mine.own).toBe(split(await theirs.registry.metrics()).own);

    const defaults = new Registry();
    collectDefaultMetrics({ register: defaults, prefix: "chains_process_" });
    expect(mine.processFamilies).toEqual(split(await defaults.metrics()).processFamilies);
    // The event-loop-delay gauges cover the time since the registry was made: a sample, not an empty histogram.
    const lagMin = Number(/^chains_process_nodejs_eventloop_lag_min_seconds\{chainlet="c"\} (\S+)$/m.exec(first.text)?.[1]);
    expect(lagMin).toBeGreaterThan(0);
    expect(lagMin).toBeLessThan(60);

    // Later counts reach the same registry.
    ours.requestDone("/v1/run_remote", 200, 0.004);
    expect((await ours.scrape()).text).toMatch(/^chains_requests_total\{route="\/v1\/run_remote",status="200",chainlet="c"\} 3$/m);
  });
});

describe("a transport whose first call starts while undici loads", () => {
  it("sends it once the pool exists, and closes a pool never used", async () => {
    const { createServer } = await import("node:http");
    const server = createServer((req, res) => {
      req.resume();
      req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end('"pong"'));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const transport = new Transport();
      const endpoint = transport.endpoint("Pinger", url);
      transport.endpoint("Unused", "http://127.0.0.1:9");
      expect(await endpoint.call({ ping: true })).toBe("pong");
      await transport.close();
    } finally {
      server.close();
    }
  });
});

describe("a bundled Chainlet's start", () => {
  let dir: string;
  let bundle: string;
  let child: ChildProcess;
  let url: string;
  /** What the child reported once `startChainletServer` resolved (see lazy-start-entry.ts). */
  let started: { url: string; builtins: string[]; at: number };
  const logLines: string[] = [];
  const answers: string[][] = [];
  const builtins = async (): Promise<string[]> => {
    const before = answers.length;
    child.stdin!.write("builtins\n");
    for (let i = 0; i < 500 && answers.length === before; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    return answers[before] ?? [];
  };
  const logged = async (match: (line: { msg: string }) => boolean): Promise<number> => {
    for (let i = 0; i < 500; i++) {
      const index = logLines.findIndex((line) => match(JSON.parse(line) as { msg: string }));
      if (index >= 0) return index;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`no such log line in ${JSON.stringify(logLines)}`);
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tschains-lazy-start-"));
    bundle = join(dir, "server.mjs");
    await bundleServerEntry(fileURLToPath(new URL("./lazy-start-entry.ts", import.meta.url)), bundle);
    child = spawn(process.execPath, [bundle], { env: { PATH: process.env.PATH ?? "", PORT: "0", HOST: "127.0.0.1" }, stdio: ["pipe", "pipe", "pipe"] });
    eachLine(child.stdout!, (line) => logLines.push(line));
    started = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("server did not start")), 15_000);
      eachLine(child.stderr!, (line) => {
        if (line.startsWith('{"builtins"')) answers.push((JSON.parse(line) as { builtins: string[] }).builtins);
        else if (line.startsWith('{"started"')) {
          clearTimeout(timer);
          resolve((JSON.parse(line) as { started: typeof started }).started);
        } else process.stderr.write(`${line}\n`);
      });
    });
    url = started.url;
  });

  afterAll(async () => {
    child?.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  });

  it("is ready without undici or prom-client, and loads msgpackr and prom-client when first needed", async () => {
    expect((await get(url, "/readyz")).status).toBe(200);
    const atStart = await builtins();
    expect(atStart).toContain("http");
    // What undici's client (tls, http2) and prom-client's process metrics (v8) load. (msgpackr's probe
    // for its native extension loads nothing the server does not already have: its first use is below.)
    for (const name of ["tls", "http2", "v8"]) expect(atStart).not.toContain(name);

    const samples = new Float32Array([1.5, Number.NaN, -0, Infinity]);
    const answer = await post(url, { samples }, { msgpack: true });
    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toBe("application/msgpack");
    const echoed = answer.body as Float32Array;
    expect(echoed).toBeInstanceOf(Float32Array);
    expect([echoed[0], echoed[1], Object.is(echoed[2], -0), echoed[3]]).toEqual([1.5, Number.NaN, true, Infinity]);

    const metrics = await get(url, "/metrics");
    expect(metrics.status).toBe(200);
    expect(metrics.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(metrics.text).toMatch(/^chains_requests_total\{route="\/v1\/run_remote",status="200",chainlet="echo"\} 1$/m);
    expect(metrics.text).toContain("chains_process_process_resident_memory_bytes");
    expect(await builtins()).toContain("v8");
  });

  it("is ready before pino is loaded; its first batch of lines brings the start-up line, with the time it was logged, before later lines", async () => {
    // pino's index loads worker_threads (for transports the runtime never uses): not at start.
    expect(started.builtins).not.toContain("worker_threads");
    // (The test above made the calls.)
    const startLine = await logged((line) => line.msg === `echo listening on ${url}`);
    const accessLine = await logged((line) => line.msg === "POST /v1/run_remote 200");
    expect(startLine).toBeLessThan(accessLine);
    const start = JSON.parse(logLines[startLine]!) as Record<string, unknown>;
    expect(start).toMatchObject({ level: 30, chainlet: "echo", url, ready: true });
    expect(Object.keys(start)).toEqual(["level", "time", "chainlet", "url", "ready", "msg"]);
    // Logged before `startChainletServer` resolved, written at least a batch interval later.
    expect(Date.parse(start.time as string)).toBeLessThanOrEqual(started.at);
    expect(await builtins()).toContain("worker_threads");
  });

  it("writes the lines logged before pino was loaded when the process exits right after its start", async () => {
    const exiting = spawn(process.execPath, [bundle], { env: { PATH: process.env.PATH ?? "", PORT: "0", HOST: "127.0.0.1", LAZY_START_EXIT: "1" }, stdio: ["ignore", "pipe", "ignore"] });
    const lines: string[] = [];
    eachLine(exiting.stdout!, (line) => lines.push(line));
    const code = await new Promise<number | null>((resolve) => exiting.once("close", resolve));
    expect(code).toBe(0);
    expect(lines.map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual([expect.stringMatching(/^echo listening on http:\/\/127\.0\.0\.1:\d+$/)]);
  });

  it("still refuses to start with a log level pino does not know", async () => {
    const refused = spawn(process.execPath, [bundle], { env: { PATH: process.env.PATH ?? "", PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "loud" }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    refused.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => refused.once("close", resolve));
    expect(code).not.toBe(0);
    // pino's own error, as before: "default level:loud must be included in custom levels".
    expect(stderr).toContain("level:loud");
    expect(stderr).not.toContain('{"started"');
  });
});
