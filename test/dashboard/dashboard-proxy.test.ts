import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveWithDashboard, type ServedWithDashboard } from "../../cli/dashboard/serve-with-dashboard.js";
import { buildFixtureChain, until, type BuiltChain } from "../integration/served-fixture.js";
import { finallyLines, settledCount } from "../integration/stream-probe.js";

describe("the dashboard's call proxy with a streaming chain (fixtures/stream-probe)", () => {
  let built: BuiltChain;
  let running: ServedWithDashboard;
  const dirs: string[] = [];
  const freshDir = () => {
    const dir = mkdtempSync(join(tmpdir(), "tschains-dashboard-proxy-"));
    dirs.push(dir);
    return dir;
  };
  const call = (body: unknown) =>
    request(`${running.dashboard.url}/api/call/relay`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ request: body }) });

  beforeAll(async () => {
    built = await buildFixtureChain("stream-probe");
    running = await serveWithDashboard({ chainDir: built.chainDir });
  }, 120_000);
  afterAll(async () => {
    await running?.stop();
    built?.remove();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("passes a whole stream through, item by item, with the Chainlet's request id", async () => {
    const answer = await call({ mode: "count", count: 3, padBytes: 2, dir: freshDir() });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers["x-request-id"]).toMatch(/\S/);
    const lines = (await answer.body.text()).split("\n").filter(Boolean);
    expect(lines.map((line) => JSON.parse(line))).toEqual([0, 1, 2].map((index) => ({ index, pad: "xx" })));
  });

  it("holds a stream the page does not read (backpressure through the proxy) and ends it on every hop when the page goes away", async () => {
    const dir = freshDir();
    // 50,000 items of 8 KiB are 400 MiB: a proxy that reads regardless would let the producer finish them all.
    const answer = await call({ mode: "count", count: 50_000, padBytes: 8192, dir });
    expect(answer.statusCode).toBe(200);
    answer.body.pause();
    // Socket and stream buffers of three hops hold some MiB: a few thousand items at most.
    expect(await settledCount(dir)).toBeLessThan(8_000);
    answer.body.destroy();
    await until(() => finallyLines(dir).length === 2);
    expect(finallyLines(dir)).toEqual(["producer", "relay"]);
  });

  it("answers 502 naming the Chainlet when its process is gone", async () => {
    const relay = running.served.chainlets["relay"]!;
    process.kill(relay.pid, "SIGKILL");
    await until(() => {
      try {
        process.kill(relay.pid, 0);
        return false;
      } catch {
        return true;
      }
    });
    const answer = await call({ mode: "count", count: 1, padBytes: 0, dir: freshDir() });
    expect(answer.statusCode).toBe(502);
    expect(((await answer.body.json()) as { error: string }).error).toMatch(/^relay did not answer: /);
  });
});
