import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChainView } from "../../cli/dashboard/dashboard-server.js";
import { watchWithDashboard, type WatchedWithDashboard } from "../../cli/dashboard/serve-with-dashboard.js";
import { until } from "../integration/served-fixture.js";

const fixture = readFileSync(join(import.meta.dirname, "..", "..", "fixtures", "hello", "chain.ts"), "utf8");

interface StateEvent {
  chainlet: string;
  state: string;
  reason?: string;
  url?: string;
}

describe.sequential("the dashboard under chains serve --watch (server-sent events, a temp copy of fixtures/hello)", () => {
  let dir: string;
  let entry: string;
  let running: WatchedWithDashboard;
  const states: StateEvent[] = [];
  const views: ChainView[] = [];
  const events = new AbortController();

  /** Follows `GET /api/events` as the page does, collecting its `state` and `chain` events. */
  async function follow(url: string): Promise<void> {
    const response = await request(`${url}/api/events`, { signal: events.signal });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^text\/event-stream/);
    void (async () => {
      let buffered = "";
      for await (const chunk of response.body) {
        buffered += chunk.toString();
        for (let end = buffered.indexOf("\n\n"); end >= 0; end = buffered.indexOf("\n\n")) {
          const frame = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const event = /^event: (\w+)$/m.exec(frame)?.[1];
          const data = JSON.parse(/^data: (.*)$/m.exec(frame)![1]!) as unknown;
          if (event === "state") states.push(data as StateEvent);
          if (event === "chain") views.push(data as ChainView);
        }
      }
    })().catch(() => undefined);
  }

  async function hello(names: string[]): Promise<{ status: number; text: string }> {
    const answer = await request(`${running.dashboard.url}/api/call/hello-all`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ names }) });
    return { status: answer.statusCode, text: await answer.body.text() };
  }

  /** The states say-hello went through after `from` (an index into `states`), until it is ready again. */
  async function sayHelloStatesAfter(from: number): Promise<StateEvent[]> {
    const mine = () => states.slice(from).filter((s) => s.chainlet === "say-hello");
    await until(() => mine().some((s) => s.state === "ready"), 60_000);
    return mine();
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tschains-dashboard-watch-"));
    entry = join(dir, "chain.ts");
    writeFileSync(entry, fixture);
    running = await watchWithDashboard({ entry, workDir: join(dir, ".work"), debounceMs: 50 });
    await follow(running.dashboard.url);
  }, 120_000);
  afterAll(async () => {
    events.abort();
    await running?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("shows the chain with every Chainlet ready at its stable URL, and the input schema the explorer's form is built from", async () => {
    await until(() => views.length > 0, 10_000);
    const view = views.at(-1)!;
    expect(view.chainlets.map((c) => [c.name, c.state, c.url])).toEqual(
      [...view.chainlets].map((c) => [c.name, "ready", running.watched.chainlets[c.name]!.url]),
    );
    const sayHello = view.chainlets.find((c) => c.name === "say-hello")!;
    expect(sayHello.inputSchema).toMatchObject({ type: "object", properties: { name: { type: "string" } }, required: ["name"] });
    expect(sayHello.example).toEqual({ name: expect.any(String) });
    expect(await hello(["Ada"])).toEqual({ status: 200, text: '"Hello, Ada!"' });
  }, 60_000);

  it("shows the edited Chainlet restarting, then ready with the new code; its caller does not restart", async () => {
    const from = states.length;
    writeFileSync(entry, fixture.replace("`Hello, ${name}", "`Howdy, ${name}"));
    const seen = await sayHelloStatesAfter(from);
    expect(seen.map((s) => s.state)).toEqual(["restarting", "ready"]);
    expect(seen[1]!.url).toBe(running.watched.chainlets["say-hello"]!.url);
    expect(states.slice(from).filter((s) => s.chainlet === "hello-all")).toEqual([]);
    expect(await hello(["Ada"])).toEqual({ status: 200, text: '"Howdy, Ada!"' });
  }, 120_000);

  it("shows why a restart failed while the previous process keeps serving", async () => {
    const from = states.length;
    writeFileSync(
      entry,
      fixture
        .replace("`Hello, ${name}", "`Never, ${name}")
        .replace("export class SayHello extends ChainletBase {", 'export class SayHello extends ChainletBase {\n  constructor() {\n    super();\n    throw new Error("no greeting database");\n  }\n'),
    );
    const seen = await sayHelloStatesAfter(from);
    expect(seen.map((s) => s.state)).toEqual(["restarting", "ready"]);
    expect(seen[1]!.reason).toContain("no greeting database");
    expect(seen[1]!.reason).toContain("the previous one keeps serving");
    const view = (await (await request(`${running.dashboard.url}/api/chain`)).body.json()) as ChainView;
    expect(view.chainlets.find((c) => c.name === "say-hello")!.reason).toContain("no greeting database");
    expect(await hello(["Ada"])).toEqual({ status: 200, text: '"Howdy, Ada!"' });
  }, 120_000);
});
