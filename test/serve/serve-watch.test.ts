import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { watchServe, type ReloadEvent, type WatchedChain } from "../../api/serve-watch.js";
import { until } from "../integration/served-fixture.js";

const fixture = readFileSync(join(import.meta.dirname, "..", "..", "fixtures", "hello", "chain.ts"), "utf8");

/** Pids of this process's children whose command line contains `marker` (Linux: read from /proc). */
function childrenRunning(marker: string): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        return ppid === process.pid && readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(marker) && !stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

async function hello(url: string, names: string[]): Promise<{ status: number; body: unknown }> {
  const answer = await request(`${url}/v1/run_remote`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ names }) });
  const text = await answer.body.text();
  return { status: answer.statusCode, body: answer.statusCode === 200 ? JSON.parse(text) : text };
}

describe.sequential("chains serve --watch (a temp copy of fixtures/hello, edited on disk)", () => {
  let dir: string;
  let entry: string;
  let chain: WatchedChain;
  const events: ReloadEvent[] = [];

  /** Writes the entry file and resolves with the reload event it causes. */
  async function save(source: string): Promise<ReloadEvent> {
    const seen = events.length;
    writeFileSync(entry, source);
    await until(() => events.length > seen, 60_000);
    expect(events.length, "a reload after the save").toBeGreaterThan(seen);
    return events[events.length - 1]!;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tschains-watch-test-"));
    entry = join(dir, "chain.ts");
    writeFileSync(entry, fixture);
    chain = await watchServe({
      entry,
      workDir: join(dir, ".work"),
      env: { CHAINS_SECRET_NOBODYS_KEY: "not for say-hello", TSCHAINS_TEST_MARK: "from serve" },
      onReload: (event) => events.push(event),
      debounceMs: 50,
    });
  }, 120_000);
  afterAll(async () => {
    await chain?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers with the new code after a save, restarting only the edited Chainlet at the same URL", async () => {
    expect(await hello(chain.url, ["Ada"])).toEqual({ status: 200, body: "Hello, Ada!" });
    const before = { ...chain.chainlets };
    const event = await save(fixture.replace("`Hello, ${name}", "`Howdy, ${name}"));
    expect(event).toMatchObject({ kind: "reloaded", files: [entry], restarted: ["say-hello"], failed: [] });
    // The steps it reports (the bench's breakdown) happened in order, from the save's first file event to the switch.
    const { phases, changedAt, servedAt } = event.kind === "reloaded" ? event : { phases: {}, changedAt: 0, servedAt: -1 };
    expect(Object.keys(phases).sort()).toEqual(["compileMs", "emitMs", "readyMs", "retireMs", "startMs", "waitMs", "writeMs"]);
    expect(Object.values(phases).every((ms) => ms >= 0)).toBe(true);
    expect(servedAt).toBeGreaterThan(changedAt);
    expect(await hello(chain.url, ["Ada"])).toEqual({ status: 200, body: "Howdy, Ada!" });
    expect(chain.chainlets["hello-all"]!.pid).toBe(before["hello-all"]!.pid);
    expect(chain.chainlets["say-hello"]!.pid).not.toBe(before["say-hello"]!.pid);
    expect(chain.chainlets["say-hello"]!.url).toBe(before["say-hello"]!.url);
  }, 120_000);

  it("keeps the last good chain serving through a save that does not compile, with tsc-style diagnostics, and recovers on the next good save", async () => {
    const broken = await save(fixture.replace("`Hello, ${name}", "`Broken, ${nme}"));
    expect(broken.kind).toBe("build-failed");
    const diagnostics = broken.kind === "build-failed" ? broken.diagnostics : [];
    expect(diagnostics.some((d) => d.code === "TS2552" || d.code === "TS2304")).toBe(true);
    expect(diagnostics[0]!.file).toBe(entry);
    expect(await hello(chain.url, ["Ada"])).toEqual({ status: 200, body: "Howdy, Ada!" });

    const recovered = await save(fixture.replace("`Hello, ${name}", "`Greetings, ${name}"));
    expect(recovered).toMatchObject({ kind: "reloaded", restarted: ["say-hello"] });
    expect(await hello(chain.url, ["Ada"])).toEqual({ status: 200, body: "Greetings, Ada!" });
  }, 120_000);

  it("reports a constructor that fails after a reload and keeps the old process serving", async () => {
    const pid = chain.chainlets["say-hello"]!.pid;
    const failing = fixture
      .replace("`Hello, ${name}", "`Never, ${name}")
      .replace(
        "export class SayHello extends ChainletBase {",
        'export class SayHello extends ChainletBase {\n  constructor() {\n    super();\n    throw new Error("no greeting database");\n  }\n',
      );
    const event = await save(failing);
    expect(event.kind).toBe("reloaded");
    const failed = event.kind === "reloaded" ? event.failed : [];
    expect(failed).toHaveLength(1);
    expect(failed[0]!.chainlet).toBe("say-hello");
    expect(failed[0]!.reason).toContain("no greeting database");
    expect(chain.chainlets["say-hello"]!.pid).toBe(pid);
    expect(await hello(chain.url, ["Ada"])).toEqual({ status: 200, body: "Greetings, Ada!" });
  }, 120_000);

  it("answers every request sent while a Chainlet restarts", async () => {
    let reloading = true;
    const answers: { status: number; body: unknown }[] = [];
    const caller = (async () => {
      while (reloading) answers.push(await hello(chain.url, ["Bo"]));
    })();
    const event = await save(fixture.replace("`Hello, ${name}", "`Welcome, ${name}"));
    reloading = false;
    await caller;
    // The previous test's constructor moved HelloAll's lines, so its source map (and process) changes back too.
    expect(event.kind === "reloaded" && event.restarted).toContain("say-hello");
    expect(answers.length).toBeGreaterThan(0);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(["Greetings, Bo!", "Welcome, Bo!"]).toContain(answer.body);
    }
    expect(await hello(chain.url, ["Bo"])).toEqual({ status: 200, body: "Welcome, Bo!" });
  }, 120_000);

  it("runs a restarted Chainlet in its own folder with exactly its own environment", async () => {
    // Where it runs and what it sees, as `node server.mjs` in its folder would (the new process may have been booted before the save).
    const event = await save(
      fixture.replace(
        "return `Hello, ${name}${excited ? \"!\" : \".\"}`;",
        "const { env, cwd } = (globalThis as any).process; return `${name}|${cwd()}|${env.CHAINS_SECRET_NOBODYS_KEY ?? \"no secret\"}|${env.TSCHAINS_TEST_MARK}|${env.CHAINS_AUTH_TOKEN ? \"token\" : \"no token\"}`;",
      ),
    );
    expect(event).toMatchObject({ kind: "reloaded", failed: [] });
    expect(event.kind === "reloaded" && event.restarted).toContain("say-hello");
    const answer = await hello(chain.url, ["Ada"]);
    expect(answer.status).toBe(200);
    const [name, cwd, secret, mark, token] = (answer.body as string).split("|");
    expect({ name, secret, mark, token }).toEqual({ name: "Ada", secret: "no secret", mark: "from serve", token: "token" });
    expect(cwd!.startsWith(join(dir, ".work"))).toBe(true);
    // Its Docker context of this build (a generation links the kept copy of it, which is where it runs: see OutputStore).
    expect(readFileSync(join(cwd!, "Dockerfile"), "utf8")).toContain('Chainlet "say-hello"');
    expect(readFileSync(join(cwd!, "server.mjs"), "utf8")).toContain("CHAINS_SECRET_NOBODYS_KEY");
  }, 120_000);

  it("still restarts a Chainlet when its standby process has gone (it starts as node server.mjs)", async () => {
    // Chainlets that began as a standby keep its command line, so the waiting one is the one no Chainlet is.
    const waiting = () => childrenRunning("standby").filter((pid) => !Object.values(chain.chainlets).some((c) => c.pid === pid));
    const standbys = waiting();
    expect(standbys.length, "a standby process waits for the next reload").toBe(1);
    process.kill(standbys[0]!, "SIGKILL");
    await until(() => waiting().length === 0);
    const event = await save(fixture.replace("`Hello, ${name}", "`Ahoy, ${name}"));
    expect(event).toMatchObject({ kind: "reloaded", failed: [] });
    expect(await hello(chain.url, ["Di"])).toEqual({ status: 200, body: "Ahoy, Di!" });
    // And the next reload has a standby again.
    await until(() => waiting().length === 1);
    expect(waiting()).toHaveLength(1);
  }, 120_000);

  it("reloads on a save of an imported helper module alone, and reports a type error it causes in the unchanged importer", async () => {
    const helper = join(dir, "greeting.ts");
    writeFileSync(helper, "export const greeting = (name: string): string => `Hi, ${name}`;\n");
    const importing = await save(
      fixture
        .replace('import { ChainletBase, depends, entrypoint } from "tschains";', 'import { ChainletBase, depends, entrypoint } from "tschains";\nimport { greeting } from "./greeting.js";')
        .replace("return `Hello, ${name}${excited ? \"!\" : \".\"}`;", "return `${greeting(name)}${excited ? \"!\" : \".\"}`;"),
    );
    expect(importing).toMatchObject({ kind: "reloaded", failed: [] });
    expect(await hello(chain.url, ["Ed"])).toEqual({ status: 200, body: "Hi, Ed!" });

    const seen = events.length;
    writeFileSync(helper, "export const greeting = (times: number): string => `Hi x${times}`;\n");
    await until(() => events.length > seen, 60_000);
    const broken = events.at(-1)!;
    expect(broken.kind).toBe("build-failed");
    const diagnostics = broken.kind === "build-failed" ? broken.diagnostics : [];
    // The error is in chain.ts, which was not saved: it passes a string where the helper now takes a number.
    expect(diagnostics.some((d) => d.code.startsWith("TS") && d.file === entry)).toBe(true);
    expect(await hello(chain.url, ["Ed"])).toEqual({ status: 200, body: "Hi, Ed!" });

    const again = events.length;
    writeFileSync(helper, "export const greeting = (name: string): string => `Hey, ${name}`;\n");
    await until(() => events.length > again, 60_000);
    const fixed = events.at(-1)!;
    expect(fixed).toMatchObject({ kind: "reloaded", files: [helper], failed: [] });
    expect(fixed.kind === "reloaded" && fixed.restarted).toContain("say-hello");
    expect(await hello(chain.url, ["Ed"])).toEqual({ status: 200, body: "Hey, Ed!" });
  }, 180_000);

  it("rewires the caller when a dependency edge is removed", async () => {
    const alone = fixture
      .replace("constructor(private readonly hello = depends(SayHello, { retries: 2, timeoutSec: 10 })) {\n    super();\n  }\n", "")
      .replace("await Promise.all(names.map((name) => this.hello.runRemote(name, true)))", 'names.map((name) => `Solo ${name}`)');
    const event = await save(alone);
    expect(event).toMatchObject({ kind: "reloaded", restarted: ["hello-all"], removed: ["say-hello"] });
    expect(await hello(chain.url, ["Cy"])).toEqual({ status: 200, body: "Solo Cy" });
    expect(Object.keys(chain.chainlets)).toEqual(["hello-all"]);
  }, 120_000);
});
