import { request } from "undici";
import { afterEach, describe, expect, it, vi } from "vitest";
import { alive, runCli, type CliRun } from "./cli-run.js";

const runs: CliRun[] = [];
afterEach(() => {
  for (const run of runs.splice(0)) run.child.kill("SIGKILL");
});

describe.sequential("chains serve (the CLI process)", () => {
  it("prints the entrypoint URL and a curl that works, prefixes logs, and stops every process on SIGTERM", async () => {
    const run = runCli(["serve", "fixtures/hello/chain.ts"]);
    runs.push(run);
    const [, url] = await run.waitFor(/is ready: (http:\/\/127\.0\.0\.1:\d+)/);
    const [curl, curlUrl, body] = await run.waitFor(/curl -s (\S+) -H 'content-type: application\/json' -d '([^']*)'/);
    expect(curl).toContain("/v1/run_remote");
    expect(curlUrl).toBe(`${url}/v1/run_remote`);

    const response = await request(curlUrl, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(response.statusCode).toBe(200);
    expect(await response.body.json()).toBe("Hello, World!");

    const pids = [...run.stdout().matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
    expect(pids).toHaveLength(2);
    // Two processes, two pipes: their access lines reach serve in either order.
    await run.waitFor(/hello-all\s+│ info\s+POST \/v1\/run_remote 200/);
    await run.waitFor(/say-hello\s+│ info\s+POST \/v1\/run_remote 200/);

    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
    expect(pids.filter(alive)).toEqual([]);
  });

  it("leaves no Chainlet running when chains serve itself is killed with SIGKILL", async () => {
    const run = runCli(["serve", "fixtures/hello/chain.ts"]);
    runs.push(run);
    await run.waitFor(/is ready: (http:\/\/127\.0\.0\.1:\d+)/);
    const pids = [...run.stdout().matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
    expect(pids).toHaveLength(2);
    expect(pids.filter(alive)).toEqual(pids);

    // No handler runs in serve: each Chainlet (in a session of its own) sees only its IPC channel close.
    run.child.kill("SIGKILL");
    await run.exited;
    await vi.waitFor(() => expect(pids.filter(alive)).toEqual([]), { timeout: 20_000, interval: 100 });
  });

  it("requires the API key at the entrypoint when --api-key is given", async () => {
    const run = runCli(["serve", "fixtures/hello/chain.ts", "--api-key", "k-test-123"]);
    runs.push(run);
    const [, url] = await run.waitFor(/is ready: (http:\/\/127\.0\.0\.1:\d+)/);
    await run.waitFor(/authorization: Bearer k-test-123/);
    const call = (headers: Record<string, string>) =>
      request(`${url}/v1/run_remote`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: '{"names":["Ada"]}' });
    const anonymous = await call({});
    expect(anonymous.statusCode).toBe(401);
    await anonymous.body.dump();
    const keyed = await call({ authorization: "Bearer k-test-123" });
    expect(keyed.statusCode).toBe(200);
    expect(await keyed.body.json()).toBe("Hello, Ada!");
    run.child.kill("SIGINT");
    expect(await run.exited).toBe(0);
  });

  it("says which Chainlet died and why", async () => {
    const run = runCli(["serve", "fixtures/hello/chain.ts"]);
    runs.push(run);
    await run.waitFor(/is ready/);
    const [, pid] = await run.waitFor(/say-hello\s+http:\S+\s+pid (\d+)/);
    process.kill(Number(pid), "SIGKILL");
    await run.waitFor(/Chainlet "say-hello" stopped unexpectedly \(killed by SIGKILL\)/, "stderr");
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
  });

  it("prints tsc-style diagnostics and exits 1 for a chain that does not compile", async () => {
    const run = runCli(["serve", "fixtures/diagnostics/ch1304-dependency-cycle/chain.ts"]);
    runs.push(run);
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toMatch(/chain\.ts:\d+:\d+ - error CH1304:/);
  });
});
