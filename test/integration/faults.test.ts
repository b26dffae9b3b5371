import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Pool, request } from "undici";
import { buildFixtureChain, serveWithLogs, until, type BuiltChain, type ServedWithLogs } from "./served-fixture.js";

const PER_REQUEST_TIMEOUT_MS = 20_000;

interface Answer {
  status: number;
  body: any;
}

async function post(pool: Pool, body: unknown): Promise<Answer> {
  const response = await pool.request({
    method: "POST",
    path: "/v1/run_remote",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    headersTimeout: PER_REQUEST_TIMEOUT_MS,
    bodyTimeout: PER_REQUEST_TIMEOUT_MS,
  });
  const text = await response.body.text();
  return { status: response.statusCode, body: JSON.parse(text) };
}

/** Runs `total` calls with `concurrency` workers; `onDone(n)` sees the count of finished calls. */
async function load(total: number, concurrency: number, call: () => Promise<Answer>, onDone: (finished: number) => void): Promise<Answer[]> {
  const answers: Answer[] = [];
  let started = 0;
  const worker = async () => {
    while (started < total) {
      started++;
      answers.push(await call());
      onDone(answers.length);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return answers;
}

describe("fault injection on a served chain (fixtures/hello)", () => {
  let built: BuiltChain;
  let served: ServedWithLogs;
  const exits: { chainlet: string; signal: string | null }[] = [];

  beforeAll(async () => {
    built = await buildFixtureChain("hello");
    // Calls to a dependency that refuses connections are retried (they never started) with the
    // usual backoff, 6.3 s at least with the default base: a short base keeps this test short.
    served = await serveWithLogs(built.chainDir, { onExit: (e) => exits.push(e), env: { CHAINS_RETRY_BASE_MS: "5" } });
  });
  afterAll(async () => {
    await served?.stop();
    built?.remove();
  });

  it("answers every request correctly or with a clean envelope while the dependency is killed, and recovers after its restart", async () => {
    const pool = new Pool(served.url, { connections: 16 });
    const body = { names: ["Ada", "Grace"] };
    const expected = "Hello, Ada!\nHello, Grace!";
    const readiness: number[] = [];
    let killed = false;
    const killAt = 60;
    const answers = await load(300, 16, async () => {
      const answer = await post(pool, body);
      const ready = await request(`${served.url}/readyz`, { headersTimeout: PER_REQUEST_TIMEOUT_MS });
      await ready.body.dump();
      readiness.push(ready.statusCode);
      return answer;
    }, (finished) => {
      if (!killed && finished >= killAt) {
        killed = true;
        process.kill(served.chainlets["say-hello"].pid, "SIGKILL");
      }
    });

    expect(answers).toHaveLength(300);
    for (const answer of answers) {
      if (answer.status === 200) {
        expect(answer.body).toBe(expected);
      } else {
        expect(answer.status).toBeGreaterThanOrEqual(500);
        expect(answer.body.error).toMatchObject({ type: expect.any(String), message: expect.any(String), chainlet: "hello-all" });
      }
    }
    const failed = answers.filter((a) => a.status !== 200);
    // The dependency really went away: some calls failed, and they say why.
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.some((a) => a.body.error.code === "CH2121" && a.body.error.message.includes('cannot reach "say-hello"'))).toBe(true);
    expect(exits).toEqual([expect.objectContaining({ chainlet: "say-hello", signal: "SIGKILL" })]);
    expect(new Set(readiness)).toEqual(new Set([200]));

    const entryPid = served.chainlets["hello-all"].pid;
    const restarted = await served.restart("say-hello");
    expect(restarted.url).toBe(served.chainlets["say-hello"].url);
    const after = await Promise.all(Array.from({ length: 20 }, () => post(pool, body)));
    expect(after.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(after.every((a) => a.body === expected)).toBe(true);
    expect(served.chainlets["hello-all"].pid).toBe(entryPid);
    await pool.close();
  });
});

describe("SIGTERM during load on a served chain (fixtures/stream-probe)", () => {
  let built: BuiltChain;
  let served: ServedWithLogs;
  const exits: { chainlet: string; code: number | null; signal: string | null }[] = [];
  const dirs: string[] = [];

  beforeAll(async () => {
    built = await buildFixtureChain("stream-probe");
    served = await serveWithLogs(built.chainDir, { onExit: (e) => exits.push(e) });
  });
  afterAll(async () => {
    await served?.stop();
    built?.remove();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** 16 gated streams: each holds after its first item until `dir/release` exists. */
  function startGatedStreams(dir: string) {
    return Array.from({ length: 16 }, async () => {
      const response = await request(`${served.url}/v1/run_remote`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ request: { mode: "gated", count: 50, padBytes: 16, dir } }),
        headersTimeout: PER_REQUEST_TIMEOUT_MS,
        bodyTimeout: PER_REQUEST_TIMEOUT_MS,
      });
      const text = await response.body.text();
      return { status: response.statusCode, lines: text.trim().split("\n").map((line) => JSON.parse(line)) };
    });
  }

  /** Waits (bounded) until a Chainlet's metrics show `count` runRemote calls in flight. */
  async function inFlight(url: string, count: number): Promise<string> {
    let text = "";
    const pattern = new RegExp(`^chains_run_remote_in_flight\\{[^}]*\\} ${count}$`, "m");
    for (let i = 0; i < 250 && !pattern.test(text); i++) {
      text = await (await request(`${url}/metrics`)).body.text();
      await new Promise((r) => setTimeout(r, 20));
    }
    return text.match(pattern)?.[0] ?? "not reached";
  }

  function expectAllComplete(results: { status: number; lines: any[] }[]) {
    for (const result of results) {
      expect(result.status).toBe(200);
      expect(result.lines.map((item) => item.index), JSON.stringify(result.lines.at(-1))).toEqual(Array.from({ length: 50 }, (_, i) => i));
    }
  }

  it("finishes every in-flight request with 200 when the entrypoint gets SIGTERM, and it exits 0", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tschains-sigterm-"));
    dirs.push(dir);
    const streams = startGatedStreams(dir);
    // In flight on both hops: the producer itself is serving all 16.
    expect(await inFlight(served.chainlets.producer.url, 16)).not.toBe("not reached");

    process.kill(served.chainlets.relay.pid, "SIGTERM");
    const readiness = () => request(`${served.url}/readyz`).then(async (r) => (await r.body.dump(), r.statusCode), () => "refused");
    let ready: number | string = 200;
    for (let i = 0; i < 250 && ready === 200; i++) ready = await readiness();
    // Draining: readiness off, or the listener already closed.
    expect([503, "refused"]).toContain(ready);
    writeFileSync(join(dir, "release"), "");

    expectAllComplete(await Promise.all(streams));
    await until(() => exits.length === 1, 30_000);
    expect(exits).toEqual([expect.objectContaining({ chainlet: "relay", code: 0, signal: null })]);
  });

  it("drains the whole chain on stop(), callers before their dependencies, dropping nothing", async () => {
    await served.restart("relay");
    const dir = mkdtempSync(join(tmpdir(), "tschains-stop-"));
    dirs.push(dir);
    const streams = startGatedStreams(dir);
    expect(await inFlight(served.chainlets.producer.url, 16)).not.toBe("not reached");
    const stopped = served.stop();
    // The entrypoint turns unready while the producer still serves the held streams.
    let ready: number | string = 200;
    for (let i = 0; i < 250 && ready === 200; i++) {
      ready = await request(`${served.url}/readyz`).then(async (r) => (await r.body.dump(), r.statusCode), () => "refused");
    }
    expect([503, "refused"]).toContain(ready);
    writeFileSync(join(dir, "release"), "");
    expectAllComplete(await Promise.all(streams));
    await stopped;
  });
});
