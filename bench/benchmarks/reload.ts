import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { request } from "undici";
import type { ReloadEvent } from "../../api/serve-watch.js";
import { atMost, type Benchmark } from "../benchmark.js";
import { withSpread } from "../format.js";
import { benchTmpDir, repoRoot } from "../paths.js";
import { repeated } from "../stats.js";

const RATE_LINE = /USD: [\d.]+/;
const POLL_MS = 20;

type Reloaded = Extract<ReloadEvent, { kind: "reloaded" }>;

/** The steps from a save to the first answer with the new code, in the order they happen (ms). */
export interface ReloadBreakdown {
  /** `writeFileSync` returned → the watcher's first event. */
  "save → file event": number;
  "debounce (quiet time)": number;
  compile: number;
  emit: number;
  write: number;
  /** Rebuild done → the new process spawned: fingerprints, starting fronts, reading the IR back. */
  "plan + spawn": number;
  "spawn → listening": number;
  "listening → ready → switched": number;
  /** The front switched → the benchmark's poll got the new answer: the poll's interval and the first call on a fresh process. */
  "switched → new answer": number;
}

/**
 * Splits one timed reload into its steps, from the reload's own marks (`performance.now()` in this
 * process, as the save and the answer are): the steps add up to `answeredAt - savedAt`.
 */
export function reloadBreakdown(savedAt: number, answeredAt: number, event: Reloaded): ReloadBreakdown {
  const p = event.phases;
  const rebuildEnded = event.changedAt + p.waitMs + p.compileMs + p.emitMs + p.writeMs;
  const spawnedAt = event.servedAt - p.readyMs - p.startMs;
  return {
    "save → file event": event.changedAt - savedAt,
    "debounce (quiet time)": p.waitMs,
    compile: p.compileMs,
    emit: p.emitMs,
    write: p.writeMs,
    "plan + spawn": spawnedAt - rebuildEnded,
    "spawn → listening": p.startMs,
    "listening → ready → switched": p.readyMs,
    "switched → new answer": answeredAt - event.servedAt,
  };
}

/**
 * `chains serve --watch` on a copy of fixtures/checkout: a one-line edit of ExchangeRates (its USD rate),
 * timed from the file write until a call through the Chainlet's stable URL answers with the new rate,
 * and split into its steps (see `reloadBreakdown`).
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
    const events: ReloadEvent[] = [];
    // Loaded when this benchmark runs (see the compile benchmark): the compiler's heap stays out of the others'.
    const { watchServe } = await import("../../api/serve-watch.js");
    const chain = await watchServe({
      entry: join(dir, "src", "chain.ts"),
      workDir: join(dir, "work"),
      env: { CHAINS_SECRET_PRICING_API_KEY: "bench" },
      onLog: () => {},
      onReload: (event) => {
        events.push(event);
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
    const breakdowns: ReloadBreakdown[] = [];
    try {
      for (let i = 1; i <= repeats; i++) {
        const rate = (1.08 + i / 100).toFixed(2);
        const expected = Math.round(10_000 * Number(rate));
        const seen = events.length;
        const t0 = performance.now();
        writeFileSync(file, original.replace(RATE_LINE, `USD: ${rate}`));
        for (const deadline = Date.now() + 60_000; (await usdFor10000()) !== expected; ) {
          if (Date.now() > deadline) throw new Error(`the edit to USD ${rate} was not served after 60 s`);
          // Polling faster would put load on the machine while it rebuilds (and so measure the poller).
          await new Promise((r) => setTimeout(r, POLL_MS));
        }
        const t1 = performance.now();
        times.push(t1 - t0);
        // The reload's event comes once the old process has exited, after the new answer.
        for (const deadline = Date.now() + 60_000; events.length === seen && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, POLL_MS));
        const event = events.slice(seen).find((e): e is Reloaded => e.kind === "reloaded");
        if (!event || events.length !== seen + 1) throw new Error(`the edit to USD ${rate} caused ${events.length - seen} reloads (expected one): ${events.slice(seen).map((e) => e.kind).join(", ")}`);
        breakdowns.push(reloadBreakdown(t0, t1, event));
        log(`  reload #${i}: ${times.at(-1)!.toFixed(0)} ms (${Object.entries(breakdowns.at(-1)!).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(", ")})`);
      }
    } finally {
      await chain.stop();
    }
    const stats = repeated(times);
    const reloadSec = stats.median / 1000;
    const steps = Object.keys(breakdowns[0]!) as (keyof ReloadBreakdown)[];
    const column = "ms (median of each step)";
    return {
      available: true,
      columns: ["step", column],
      rows: [
        ...steps.map((step) => ({ step, [column]: withSpread(repeated(breakdowns.map((b) => b[step])), 0) })),
        { step: "save → new code answers (one-line edit of ExchangeRates, fixtures/checkout, 4 Chainlets)", [column]: withSpread(stats, 0) },
      ],
      ratios: { reloadSec },
      targets: [atMost("reloadSec ≤ 1.0 (save to new answer, median)", reloadSec, 1.0)],
      details: { times, breakdowns },
      notes: [
        `Median of ${repeats}; each edit changes the USD rate, so only exchange-rates is bundled again and restarts (its callers keep their processes).`,
        `The steps of each repeat add up to its total; the medians of the steps need not. The answer is polled every ${POLL_MS} ms.`,
      ],
    };
  },
};
