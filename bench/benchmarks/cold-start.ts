import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { request } from "undici";
import { atMost, type Benchmark, type Row } from "../benchmark.js";
import { withSpread } from "../format.js";
import { spawnListening, type ListeningProcess } from "../processes.js";
import { buildFixture, fixturePath, NotAvailable } from "../served-fixture.js";
import { ratio, repeated } from "../stats.js";
import { LISTENING_MESSAGE } from "../../runtime-node/protocol/readiness.js";

/** The smallest HTTP server Node can run: the floor a Chainlet's start-up is compared with. */
const EMPTY_SERVER = `const s = require("node:http").createServer((q, r) => r.end("ok"));
s.listen(0, "127.0.0.1", () => process.send({ type: "listening", url: "http://127.0.0.1:" + s.address().port }));
process.on("SIGTERM", () => process.exit(0));`;

/**
 * 4. From `spawn` to the first 200 on `/readyz`: the bundled SayHello of fixtures/hello started as its
 * Docker image and `chains serve` both start it (`node server.mjs`), against `node -e` running an
 * empty HTTP server. Then, after a second of idling, each process's resident memory.
 */
export const coldStartBenchmark: Benchmark = {
  name: "cold-start",
  title: "Cold start: spawn → /readyz of a bundled Chainlet vs node -e empty server; idle RSS",
  async run({ settings, log }) {
    const chainDir = await buildFixture(fixturePath("fixtures/hello/chain.ts"));
    const contextDir = join(chainDir, "chainlets", "say-hello");
    const chainlet = () =>
      spawnListening(["server.mjs"], {
        cwd: contextDir,
        listeningType: LISTENING_MESSAGE,
        env: {
          HOST: "127.0.0.1",
          PORT: "0",
          CHAINS_DEPENDENCIES: "{}",
          CHAINS_AUTH_TOKEN: randomBytes(16).toString("hex"),
        },
      });
    const empty = () => spawnListening(["-e", EMPTY_SERVER], { listeningType: "listening" });
    const repeats = settings.smoke ? 1 : 7;
    const idleMs = settings.smoke ? 100 : 1_000;
    const figures = {
      image: { startMs: [] as number[], rssMb: [] as number[] },
      empty: { startMs: [] as number[], rssMb: [] as number[] },
    };
    const starters = [["image", chainlet], ["empty", empty]] as const;
    for (let repeat = 0; repeat < repeats; repeat++) {
      for (const [name, start] of starters) {
        const t0 = performance.now();
        let running: ListeningProcess;
        try {
          running = await start();
        } catch (error) {
          if (name !== "empty") throw new NotAvailable(`the bundled Chainlet does not start: ${(error as Error).message}`);
          throw error;
        }
        try {
          await untilReady(running.url);
          const startMs = performance.now() - t0;
          await sleep(idleMs);
          const rssMb = residentMb(running.child.pid!);
          figures[name].startMs.push(startMs);
          figures[name].rssMb.push(rssMb);
          log(`  ${name} #${repeat + 1}: ready in ${startMs.toFixed(0)} ms, idle RSS ${rssMb.toFixed(1)} MB`);
        } finally {
          await running.stop();
        }
      }
    }
    const start = (name: keyof typeof figures) => repeated(figures[name].startMs);
    const rss = (name: keyof typeof figures) => repeated(figures[name].rssMb);
    const coldStartRatio = ratio(start("image").median, start("empty").median);
    const row = (name: keyof typeof figures, label: string): Row => ({
      process: label,
      "spawn → ready ms": withSpread(start(name), 0),
      "idle RSS MB": withSpread(rss(name), 1),
      "vs empty server": `${(start(name).median / start("empty").median).toFixed(2)}× start`,
    });
    const rows: Row[] = [
      row("image", "say-hello as its image and chains serve run it: node server.mjs"),
      row("empty", "node -e empty HTTP server"),
    ];
    const chainletRss = rss("image");
    return {
      available: true,
      columns: ["process", "spawn → ready ms", "idle RSS MB", "vs empty server"],
      rows,
      ratios: {
        coldStartRatio,
        idleRssMb: chainletRss.median,
      },
      targets: [
        atMost("coldStartRatio ≤ 1.25 (spawn → /readyz vs node -e; issue 15)", coldStartRatio, 1.25),
        atMost("idleRssMb ≤ 50 (MB resident per idle Chainlet process; issue 15)", chainletRss.median, 50),
      ],
      details: figures,
      notes: [`Median of ${repeats} starts each, alternating; readiness polled every 2 ms; RSS read from /proc after ${idleMs} ms idle.`],
    };
  },
};

async function untilReady(url: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    try {
      const response = await request(`${url}/readyz`);
      await response.body.dump();
      if (response.statusCode === 200) return;
    } catch {
      // Not accepting connections yet.
    }
    await sleep(2);
  }
  throw new Error(`${url}/readyz did not answer 200 within 20 s`);
}

/** Resident set size of a process in MB, from /proc (Linux; the benchmarks run on Linux machines). */
function residentMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) / 1024;
}
