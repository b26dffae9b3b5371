import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { request } from "undici";
import { watchServe } from "../../api/serve-watch.js";
import { atMost, type Benchmark } from "../benchmark.js";
import { withSpread } from "../format.js";
import { benchTmpDir, repoRoot } from "../paths.js";
import { repeated } from "../stats.js";

const RATE_LINE = /USD: [\d.]+/;
const POLL_MS = 20;

/**
 * `chains serve --watch` on a copy of fixtures/checkout: a one-line edit of ExchangeRates (its USD rate),
 * timed from the file write until a call through the Chainlet's stable URL answers with the new rate:
 * file event, debounce, warm rebuild, fingerprinting, the new process's start and readiness, the switch.
 */
export const reloadBenchmark: Benchmark = {
  name: "reload",
  title: "Reload: chains serve --watch, one-line edit of one Chainlet until the new code answers",
  async run({ settings, log }) {
    const repeats = settings.smoke ? 1 : 5;
    const dir = join(benchTmpDir, "reload");
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    cpSync(join(repoRoot, "fixtures", "checkout"), join(dir, "src"), { recursive: true });
    const file = join(dir, "src", "exchange-rates.ts");
    const original = readFileSync(file, "utf8");
    const builds: number[] = [];
    const chain = await watchServe({
      entry: join(dir, "src", "chain.ts"),
      workDir: join(dir, "work"),
      env: { CHAINS_SECRET_PRICING_API_KEY: "bench" },
      onLog: () => {},
      onReload: (event) => {
        if (event.kind === "reloaded") builds.push(event.buildMs);
        log(`  ${event.kind} ${event.kind === "reloaded" ? `${event.restarted.join(",")} (build ${event.buildMs.toFixed(0)} ms)` : ""} in ${event.ms.toFixed(0)} ms`);
      },
    });
    const url = chain.chainlets["exchange-rates"]!.url;
    const usdFor10000 = async (): Promise<number> => {
      const answer = await request(`${url}/v1/run_remote`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${chain.token}` },
        body: JSON.stringify({ amounts: [{ amount: 10_000, currency: "EUR" }], to: "USD" }),
      });
      return ((await answer.body.json()) as { amount: number }[])[0]!.amount;
    };
    const times: number[] = [];
    try {
      for (let i = 1; i <= repeats; i++) {
        const rate = (1.08 + i / 100).toFixed(2);
        const expected = Math.round(10_000 * Number(rate));
        const t0 = performance.now();
        writeFileSync(file, original.replace(RATE_LINE, `USD: ${rate}`));
        for (const deadline = Date.now() + 60_000; (await usdFor10000()) !== expected; ) {
          if (Date.now() > deadline) throw new Error(`the edit to USD ${rate} was not served after 60 s`);
          // Polling faster would put load on the machine while it rebuilds (and so measure the poller).
          await new Promise((r) => setTimeout(r, POLL_MS));
        }
        times.push(performance.now() - t0);
        log(`  reload #${i}: ${times.at(-1)!.toFixed(0)} ms`);
      }
    } finally {
      await chain.stop();
    }
    const stats = repeated(times);
    const reloadSec = stats.median / 1000;
    return {
      available: true,
      columns: ["edit", "save → new code answers (ms)"],
      rows: [{ edit: "one line of ExchangeRates (fixtures/checkout, 4 Chainlets)", "save → new code answers (ms)": withSpread(stats, 0) }],
      ratios: { reloadSec },
      targets: [atMost("reloadSec ≤ 1.0 (save to new answer, median)", reloadSec, 1.0)],
      details: { times, buildMs: builds },
      notes: [
        `Median of ${repeats}; each edit changes the USD rate, so only exchange-rates is bundled again and restarts (its callers keep their processes).`,
        `Of that, the rebuild (compile, emit, write) took ${builds.length ? repeated(builds).median.toFixed(0) : "?"} ms (median); the rest is the file event, the new process's start and readiness, and polling every ${POLL_MS} ms.`,
      ],
    };
  },
};
