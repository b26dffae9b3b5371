import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENV } from "../../runtime-node/protocol/env.js";
import { bundleServerEntry, eachLine } from "./bundled-child.js";
import { get, post } from "./harness.js";

let dir: string;
let bundle: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tschains-drain-"));
  bundle = join(dir, "server.mjs");
  await bundleServerEntry(fileURLToPath(new URL("./drain-entry.ts", import.meta.url)), bundle);
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  await rm(dir, { recursive: true, force: true });
});

/** Starts the bundled server and resolves with its URL, read from its "listening" log line. */
function startChild(): Promise<{ child: ChildProcess; url: string; lines: string[] }> {
  const child = spawn(process.execPath, [bundle], { env: { ...process.env, PORT: "0", HOST: "127.0.0.1", CHAINS_SHUTDOWN_TIMEOUT_SEC: "10", [ENV.exposeStacks]: "1" }, stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("server did not start")), 15_000);
    eachLine(child.stdout!, (line) => {
      lines.push(line);
      const url = line.includes("listening on") ? (JSON.parse(line) as { url: string }).url : undefined;
      if (url) {
        clearTimeout(timer);
        resolve({ child, url, lines });
      }
    });
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
}

describe("served bundle", () => {
  it("maps the user's stack frames to .ts lines through the bundle's source map", async () => {
    const { child, url } = await startChild();
    const answer = await post(url, { ms: -1 });
    expect(answer.status).toBe(500);
    expect(answer.body.error.type).toBe("RangeError");
    expect(answer.body.error.stack).toMatch(/drain-entry\.ts:8:\d+/);
    expect(answer.body.error.stack).not.toMatch(/server\.mjs|runtime-node/);
    child.kill("SIGTERM");
  });

  it("finishes every in-flight request on SIGTERM, refuses new connections, exits 0, loses no log line", async () => {
    const { child, url, lines } = await startChild();
    // "close": the process exited and its stdout has been read to the end.
    const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
    const inFlight = Array.from({ length: 20 }, (_, i) => post(url, { ms: 300 + i * 10 }));
    // Wait until the server holds all 20 (the in-flight gauge), then ask it to stop.
    for (let i = 0; i < 200; i++) {
      const metrics = (await get(url, "/metrics")).text;
      if (/chains_run_remote_in_flight\{chainlet="slow"\} 20/.test(metrics)) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill("SIGTERM");
    const answers = await Promise.all(inFlight);
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(answers.map((a) => a.body)).toEqual(Array.from({ length: 20 }, (_, i) => 300 + i * 10));
    expect(await exited).toBe(0);
    await expect(post(url, { ms: 1 })).rejects.toThrow();
    const messages = lines.map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages.filter((msg) => msg === "POST /v1/run_remote 200")).toHaveLength(20);
    expect(messages.at(-1)).toBe("drained; all in-flight requests finished");
  });
});
