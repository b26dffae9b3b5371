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
    served = await serveWithLogs(built.chainDir, { onExit: (e) => exits.push(e) });
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
    expect(failed[0].body.error.code).toBe("CH2121");
    expect(failed[0].body.error.message).toContain("say-hello");
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
  const dir = mkdtempSync(join(tmpdir(), "tschains-sigterm-"));

  beforeAll(async () => {
    built = await buildFixtureChain("stream-probe");
    served = await serveWithLogs(built.chainDir, { onExit: (e) => exits.push(e) });
  });
  afterAll(async () => {
    await served?.stop();
    built?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it("finishes every started request with 200 and every process exits 0", async () => {
    // Gated streams: each holds after its first item until the test releases it, so all 16 are
    // certainly in flight on both hops when SIGTERM arrives.
    const streams = Array.from({ length: 16 }, async () => {
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
    // The entrypoint's metrics count the streams it is serving.
    const metrics = async () => (await (await request(`${served.url}/metrics`)).body.text());
    let text = "";
    for (let i = 0; i < 250 && !/chains_run_remote_in_flight\{[^}]*\} 16/.test(text); i++) {
      text = await metrics();
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(text).toMatch(/chains_run_remote_in_flight\{[^}]*\} 16/);

    for (const name of ["relay", "producer"]) process.kill(served.chainlets[name].pid, "SIGTERM");
    // Draining: readiness is off or the listener is already closed.
    const ready = await request(`${served.url}/readyz`).then((r) => r.statusCode, () => "refused");
    expect([503, "refused"]).toContain(ready);
    writeFileSync(join(dir, "release"), "");

    const results = await Promise.all(streams);
    for (const result of results) {
      expect(result.status).toBe(200);
      expect(result.lines.map((item) => item.index)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    }
    await until(() => exits.length === 2, 30_000);
    expect(exits.map((e) => [e.chainlet, e.code, e.signal]).sort()).toEqual([
      ["producer", 0, null],
      ["relay", 0, null],
    ]);
  });
});
