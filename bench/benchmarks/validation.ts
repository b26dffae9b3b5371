import type { Benchmark, Row } from "../benchmark.js";
import { fixed, withSpread } from "../format.js";
import { runLoad } from "../load.js";
import { buildFixture, fixturePath, serveFixture } from "../served-fixture.js";
import { ratio, repeated } from "../stats.js";
import { microsecondsPerOp } from "../time-per-op.js";
import { loadChainletValidators } from "../validators-module.js";
import { decode, encode } from "../../runtime-node/wire/wire-codec.js";
import { checkOutput } from "../../runtime-node/wire/validation.js";
import { sampleOrder } from "../fixtures/payload/sample-order.js";

const FIXTURE = "bench/fixtures/payload/chain.ts";

/**
 * 3. What validation costs on a medium payload (bench/fixtures/payload: ~20 fields, a nested array of
 * ten objects). The server's hot path is replayed in-process with the Chainlet's own precompiled
 * validators — parse, validate input, validate output, serialise — against the same path without the
 * two validations. The difference, divided by the mean latency of a real hop carrying the same payload
 * (one connection, served EchoOrder), is the share of a hop spent validating.
 */
export const validationBenchmark: Benchmark = {
  name: "validation",
  title: "Validation and serialisation: medium payload (Order, 10 line items)",
  async run({ settings, log }) {
    const chainDir = await buildFixture(fixturePath(FIXTURE));
    const validators = await loadChainletValidators(chainDir, "echo-order");
    const body = Buffer.from(JSON.stringify({ order: sampleOrder() }));
    const validated = () => {
      const input = decode("json", body) as { order: unknown };
      if (!validators.input(input)) throw new Error(`sample order is not valid: ${JSON.stringify(validators.input.errors)}`);
      const output = checkOutput(validators.output, input.order);
      if (!output.ok) throw new Error(`echoed order is not valid: ${JSON.stringify(output.issues)}`);
      encode("json", output.value);
    };
    const unvalidated = () => {
      const input = decode("json", body) as { order: unknown };
      encode("json", input.order);
    };
    const budgetMs = settings.smoke ? 20 : 1_000;
    const withUs: number[] = [];
    const withoutUs: number[] = [];
    // In-process timings are cheap and jittery on a shared machine: more repeats than the HTTP figures.
    const microRepeats = settings.smoke ? 1 : 5;
    for (let repeat = 0; repeat < microRepeats; repeat++) {
      withUs.push(microsecondsPerOp(validated, budgetMs));
      withoutUs.push(microsecondsPerOp(unvalidated, budgetMs));
    }
    const costs = withUs.map((w, i) => w - withoutUs[i]);

    const served = await serveFixture(fixturePath(FIXTURE));
    const hopMeanMs: number[] = [];
    try {
      const load = (durationSec: number) =>
        runLoad({ url: `${served.url}/v1/run_remote`, headers: { "content-type": "application/json" }, body, connections: 1, durationSec });
      await load(settings.warmupSec);
      for (let repeat = 0; repeat < settings.repeats; repeat++) {
        const result = await load(settings.loadSec);
        log(`  hop with payload #${repeat + 1}: mean ${result.meanMs.toFixed(3)} ms`);
        hopMeanMs.push(result.meanMs);
      }
    } finally {
      await served.stop();
    }

    const hop = repeated(hopMeanMs.map((ms) => ms * 1000));
    const cost = repeated(costs);
    const wire = repeated(withoutUs);
    const validationShare = ratio(cost.median, hop.median);
    const wireShare = ratio(wire.median, hop.median);
    const rows: Row[] = [
      { step: "parse + serialise (no validation)", "µs per request": withSpread(wire, 1), "share of a hop": percent(wireShare) },
      { step: "parse + validate in + validate out + serialise", "µs per request": withSpread(repeated(withUs), 1), "share of a hop": percent(ratio(repeated(withUs).median, hop.median)) },
      { step: "validation alone (difference)", "µs per request": withSpread(cost, 1), "share of a hop": percent(validationShare) },
      { step: "one served hop with this payload (mean, 1 connection)", "µs per request": withSpread(hop, 0), "share of a hop": "100%" },
    ];
    return {
      available: true,
      columns: ["step", "µs per request", "share of a hop"],
      rows,
      ratios: { validationShare, validationMicroseconds: cost.median, serialisationShare: wireShare },
      targets: [],
      details: { withValidationUs: withUs, withoutValidationUs: withoutUs, hopMeanUs: hop.samples, payloadBytes: body.length },
      notes: [
        `Payload ${body.length} bytes of JSON. In-process figures use the Chainlet's own ajv standalone validators and the runtime's wire codec; ${budgetMs} ms per figure, median of ${microRepeats}, with and without alternating. The hop: median of ${settings.repeats} mean latencies.`,
        "The issue sets no number for this one: it is the price of typed, validated wire data, reported so it can be watched.",
      ],
    };
  },
};

function percent(value: number | null): string {
  return value === null ? "n/a" : `${fixed(value * 100, 1)}%`;
}
