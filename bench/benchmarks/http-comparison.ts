import { isDeepStrictEqual } from "node:util";
import { request } from "undici";
import { startBaseline, startPeers, type PeerName } from "../baselines/start-baseline.js";
import { SCENARIOS, type Scenario, type ScenarioName } from "../baselines/scenarios.js";
import { atLeast, atMost, type Benchmark, type BenchmarkContext, type Row } from "../benchmark.js";
import { times, withSpread } from "../format.js";
import { runLoad } from "../load.js";
import { startOtlpSink } from "../otlp-sink.js";
import { NotAvailable, fixturePath, serveFixture } from "../served-fixture.js";
import { cpuSeconds } from "../process-cpu.js";
import { ratio, repeated, type Repeated } from "../stats.js";

/** The tschains variant with tracing on, exporting every span to a local OTLP/HTTP sink. */
const TRACED = "tschains, tracing on";

/** One implementation of the two services, running. */
interface Variant {
  name: "tschains" | typeof TRACED | "node:http + undici" | "fastify" | PeerName;
  url: string;
  /** The path the load posts to (tRPC names it after its procedure). */
  path: string;
  /** The answer's value out of the variant's JSON (tRPC wraps it in an envelope). */
  unwrap(json: unknown): unknown;
  /** Every process of the variant (entry and dependency), for CPU accounting. */
  pids: number[];
  stop(): Promise<void>;
}

interface LevelFigures {
  connections: number;
  requestsPerSec: Repeated;
  p50Ms: Repeated;
  p99Ms: Repeated;
  /** CPU time (user + system) of the variant's processes per request, in microseconds. */
  cpuUsPerRequest: Repeated;
}

export interface HttpComparison {
  columns: string[];
  rows: Row[];
  /** Per variant, per connection level. */
  figures: Record<string, LevelFigures[]>;
  /** tschains / hand-written and tschains / Fastify, per connection level; tschains / each peer (req/s and CPU per request). */
  perLevel: Array<{
    connections: number;
    rpsRatio: number | null;
    p99Ratio: number | null;
    fastifyRatio: number | null;
    cpuRatio: number | null;
    peers: Record<string, { rpsRatio: number | null; cpuRatio: number | null }>;
  }>;
  /** tschains' CPU per request over the hand-written baseline's, at the highest load level. */
  cpuRatio: number | null;
  /** req/s with tracing on over tracing off (worst level), when the tracing variant was measured. */
  tracingRatio: number | null;
  /** Worst level of each: the targets must hold at every load level. */
  rpsRatio: number | null;
  p99Ratio: number | null;
  fastifyRatio: number | null;
  notes: string[];
}

/**
 * Serves one scenario three ways (tschains, hand-written, Fastify), and with `withPeers` also in the
 * frameworks users would otherwise pick (Hono, tRPC, FastAPI; never in smoke mode), checks that all
 * answer the same request identically, then measures each at every connection level. Repeats are
 * interleaved (A B C, A B C, ...) so drift on a shared machine spreads over all variants instead of
 * biasing one.
 */
export async function compareHttp(
  context: BenchmarkContext,
  scenarioName: ScenarioName,
  tschainsFixture: string,
  options: { withTracing?: boolean; withPeers?: boolean } = {},
): Promise<HttpComparison> {
  const { withTracing = false, withPeers = false } = options;
  const { settings, log } = context;
  const scenario = SCENARIOS[scenarioName];
  const notes: string[] = [];
  const variants: Variant[] = [];
  const sink = withTracing ? await startOtlpSink() : undefined;
  try {
    try {
      const served = await serveFixture(fixturePath(tschainsFixture));
      variants.push({ name: "tschains", url: served.url, pids: served.pids, stop: () => served.stop(), ...RUN_REMOTE });
      if (sink) {
        const traced = await serveFixture(fixturePath(tschainsFixture), { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url });
        variants.push({ name: TRACED, url: traced.url, pids: traced.pids, stop: () => traced.stop(), ...RUN_REMOTE });
      }
    } catch (error) {
      if (!(error instanceof NotAvailable)) throw error;
      notes.push(`tschains not measured: ${error.message}`);
      log(`  tschains not available: ${error.message.split("\n")[0]}`);
    }
    const plain = await startBaseline("plain", scenarioName);
    variants.push({ name: "node:http + undici", url: plain.url, pids: plain.pids, stop: () => plain.stop(), ...RUN_REMOTE });
    const fastify = await startBaseline("fastify", scenarioName);
    variants.push({ name: "fastify", url: fastify.url, pids: fastify.pids, stop: () => fastify.stop(), ...RUN_REMOTE });
    if (withPeers && !settings.smoke) {
      const peers = await startPeers(scenarioName);
      for (const note of peers.skipped) {
        notes.push(note);
        log(`  ${note}`);
      }
      variants.push(...peers.running);
    }

    const expected = await expectedAnswer(scenario);
    for (const variant of variants) await checkAnswer(variant, scenario, expected);

    const body = JSON.stringify(scenario.entryBody);
    const load = (variant: Variant, connections: number, durationSec: number) =>
      runLoad({ url: `${variant.url}${variant.path}`, headers: { "content-type": "application/json" }, body, connections, durationSec });

    const top = Math.max(...settings.connections);
    for (const variant of variants) {
      log(`  warm-up ${variant.name}`);
      await load(variant, top, settings.warmupSec);
    }
    const samples = new Map<string, Map<number, Array<{ rps: number; p50: number; p99: number; cpuUs: number }>>>();
    for (const connections of settings.connections) {
      for (let repeat = 0; repeat < settings.repeats; repeat++) {
        for (const variant of variants) {
          const cpuBefore = cpuSeconds(variant.pids);
          const result = await load(variant, connections, settings.loadSec);
          const cpuAfter = cpuSeconds(variant.pids);
          const cpuUs = cpuBefore === null || cpuAfter === null ? Number.NaN : ((cpuAfter - cpuBefore) * 1e6) / result.completed;
          log(`  ${variant.name} c=${connections} #${repeat + 1}: ${result.requestsPerSec.toFixed(0)} req/s p99 ${result.p99Ms.toFixed(2)} ms`);
          const byLevel = samples.get(variant.name) ?? new Map<number, Array<{ rps: number; p50: number; p99: number; cpuUs: number }>>();
          samples.set(variant.name, byLevel);
          const list = byLevel.get(connections) ?? [];
          byLevel.set(connections, list);
          list.push({ rps: result.requestsPerSec, p50: result.p50Ms, p99: result.p99Ms, cpuUs });
        }
      }
    }

    const figures: Record<string, LevelFigures[]> = {};
    const rows: Row[] = [];
    for (const variant of variants) {
      figures[variant.name] = settings.connections.map((connections) => {
        const list = samples.get(variant.name)!.get(connections)!;
        return {
          connections,
          requestsPerSec: repeated(list.map((s) => s.rps)),
          p50Ms: repeated(list.map((s) => s.p50)),
          p99Ms: repeated(list.map((s) => s.p99)),
          cpuUsPerRequest: repeated(list.map((s) => s.cpuUs)),
        };
      });
    }
    const figure = (name: Variant["name"], connections: number) => figures[name]?.find((f) => f.connections === connections);
    const perLevel = settings.connections.map((connections) => {
      const ours = figure("tschains", connections);
      const plainFigure = figure("node:http + undici", connections);
      const fastifyFigure = figure("fastify", connections);
      return {
        connections,
        rpsRatio: ratio(ours?.requestsPerSec.median, plainFigure?.requestsPerSec.median),
        cpuRatio: ratio(ours?.cpuUsPerRequest.median, plainFigure?.cpuUsPerRequest.median),
        p99Ratio: ratio(ours?.p99Ms.median, plainFigure?.p99Ms.median),
        fastifyRatio: ratio(ours?.requestsPerSec.median, fastifyFigure?.requestsPerSec.median),
        peers: Object.fromEntries(
          variants
            .filter((v) => v.name !== "tschains" && v.name !== TRACED)
            .map((v) => [
              v.name,
              {
                rpsRatio: ratio(ours?.requestsPerSec.median, figure(v.name, connections)?.requestsPerSec.median),
                cpuRatio: ratio(ours?.cpuUsPerRequest.median, figure(v.name, connections)?.cpuUsPerRequest.median),
              },
            ]),
        ),
      };
    });
    for (const connections of settings.connections) {
      const level = perLevel.find((l) => l.connections === connections)!;
      for (const variant of variants) {
        const f = figure(variant.name, connections)!;
        rows.push({
          connections: String(connections),
          variant: variant.name,
          "req/s": withSpread(f.requestsPerSec, 0),
          "p50 ms": withSpread(f.p50Ms, 2),
          "p99 ms": withSpread(f.p99Ms, 2),
          "CPU µs/req": withSpread(f.cpuUsPerRequest, 0),
          "vs hand-written": variant.name === "tschains" ? `${times(level.rpsRatio)} req/s, ${times(level.p99Ratio)} p99` : "",
          "vs fastify": variant.name === "tschains" ? `${times(level.fastifyRatio)} req/s` : "",
          "tschains ÷ this": level.peers[variant.name] ? `${times(level.peers[variant.name].rpsRatio)} req/s, ${times(level.peers[variant.name].cpuRatio)} CPU` : "",
        });
      }
    }
    const tracingRatio = sink
      ? worstOf(settings.connections.map((connections) => ratio(figure(TRACED, connections)?.requestsPerSec.median, figure("tschains", connections)?.requestsPerSec.median)), Math.min)
      : null;
    if (sink) {
      notes.push(
        `"${TRACED}": the same chain with OTEL_EXPORTER_OTLP_ENDPOINT set, every request sampled and its spans exported ` +
          `(OTLP/HTTP protobuf, batched) to a sink in the benchmark process (${sink.exports} exports, ${sink.bytes} bytes received); ` +
          `"tschains" has tracing off (no endpoint), its default.`,
      );
    }
    notes.push(
      `Load: autocannon in the benchmark process, ${settings.loadSec} s per figure, median of ${settings.repeats}, ` +
        `repeats interleaved across variants; each variant is two Node processes (entry + dependency). ` +
        `CPU µs/req: user + system time of the variant's processes (from /proc) over the requests completed.`,
    );
    return {
      columns: ["connections", "variant", "req/s", "p50 ms", "p99 ms", "CPU µs/req", "vs hand-written", "vs fastify", "tschains ÷ this"],
      rows,
      figures,
      perLevel,
      rpsRatio: worstOf(perLevel.map((l) => l.rpsRatio), Math.min),
      p99Ratio: worstOf(perLevel.map((l) => l.p99Ratio), Math.max),
      fastifyRatio: worstOf(perLevel.map((l) => l.fastifyRatio), Math.min),
      cpuRatio: perLevel.at(-1)?.cpuRatio ?? null,
      tracingRatio,
      notes,
    };
  } finally {
    for (const variant of variants) await variant.stop();
    await sink?.close();
  }
}

/** The worst of per-level figures (`pick` is Math.min or Math.max), or null when a level is missing. */
function worstOf(values: Array<number | null>, pick: (...n: number[]) => number): number | null {
  return values.includes(null) ? null : pick(...(values as number[]));
}

/** The answer the scenario defines, computed in-process: what every variant must return. */
async function expectedAnswer(scenario: Scenario): Promise<unknown> {
  return scenario.entry(scenario.entryBody, async (body) => scenario.dependency(body));
}

async function checkAnswer(variant: Variant, scenario: Scenario, expected: unknown): Promise<void> {
  const response = await request(`${variant.url}${variant.path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(scenario.entryBody),
  });
  const text = await response.body.text();
  if (response.statusCode !== 200 || !isDeepStrictEqual(variant.unwrap(JSON.parse(text)), expected)) {
    throw new Error(`${variant.name} does not do the benchmark's work: answered ${response.statusCode} ${text.slice(0, 500)}, expected ${JSON.stringify(expected)}`);
  }
}

/** Where a served-chain comparison stores its four figures in the result's `ratios`. */
export interface ComparisonRatioKeys {
  rps: string;
  p99: string;
  fastify: string;
  cpu: string;
  /** Set to also measure tschains with tracing on: req/s on over off. */
  tracing?: string;
}

/** Where tschains and the baselines serve `runRemote`, answering the value itself. */
const RUN_REMOTE = { path: "/v1/run_remote", unwrap: (json: unknown) => json };

/**
 * A benchmark that serves `fixture` with tschains and compares it with the hand-written and Fastify
 * versions of `scenario`, against issue 15's targets (≥ 0.85× req/s, ≤ 1.2× p99, ≥ 1.0× Fastify with its logger on).
 */
export function httpComparisonBenchmark(spec: {
  name: string;
  title: string;
  scenario: ScenarioName;
  fixture: string;
  keys: ComparisonRatioKeys;
  /** Also measure the peers (Hono, tRPC, FastAPI) outside smoke mode. */
  peers?: boolean;
}): Benchmark {
  const { keys } = spec;
  return {
    name: spec.name,
    title: spec.title,
    async run(context) {
      const c = await compareHttp(context, spec.scenario, spec.fixture, { withTracing: keys.tracing !== undefined, withPeers: spec.peers });
      return {
        available: true,
        columns: c.columns,
        rows: c.rows,
        ratios: {
          [keys.rps]: c.rpsRatio,
          [keys.p99]: c.p99Ratio,
          [keys.fastify]: c.fastifyRatio,
          [keys.cpu]: c.cpuRatio,
          ...(keys.tracing ? { [keys.tracing]: c.tracingRatio } : {}),
        },
        targets: [
          atLeast(`${keys.rps} ≥ 0.85 (req/s vs hand-written, worst level)`, c.rpsRatio, 0.85),
          atMost(`${keys.p99} ≤ 1.2 (p99 vs hand-written, worst level; issue 15)`, c.p99Ratio, 1.2),
          atLeast(`${keys.fastify} ≥ 1 (req/s vs Fastify, worst level)`, c.fastifyRatio, 1),
        ],
        details: { figures: c.figures, perLevel: c.perLevel },
        notes: c.notes,
      };
    },
  };
}
