import { Readable } from "node:stream";
import * as msgpackr from "msgpackr";
import { Packr } from "msgpackr";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { request } from "undici";
import { runLocal } from "tschains";
import { atLeast, type Benchmark, type BenchmarkContext, type Row } from "../benchmark.js";
import { balancedOrder } from "../balanced-order.js";
import { childScript } from "../child-script.js";
import { withSpread } from "../format.js";
import { spawnListening } from "../processes.js";
import { buildFixture, fixturePath, NotAvailable, serveFixture } from "../served-fixture.js";
import { ratio, repeated, type Repeated } from "../stats.js";
import { EchoSamples } from "../fixtures/binary/chain.js";
import { readWholeBody } from "../../runtime-node/wire/aligned-body.js";
import { alignedOffsetOf, decode, encodeChunks, formatReady } from "../../runtime-node/wire/wire-codec.js";

// A caller's own msgpackr, configured as the runtime's codec is: typed arrays keep their class.
const packr = new Packr({ moreTypes: true, useRecords: false });

type Way =
  | "JSON / base64"
  | "binary (msgpack)"
  | "binary (msgpack), msgpackr pack/unpack in the client"
  | "binary (msgpack), the generated typed client"
  | "raw octet-stream (node:http)"
  | "raw octet-stream, answer read as binary mode's client reads it"
  | "in-process (runLocal)";

/** Outside smoke mode, a repeat cycles through the ways for this long times their number. */
const REPEAT_SECONDS_PER_WAY = 2;

/** One way to send the array and get it back; returns the array received. */
type RoundTrip = (samples: Float32Array) => Promise<Float32Array>;

/**
 * 6. Binary data and streaming. A Float32Array (10 MB) is sent to an echoing service and received
 * back, in several ways; MB/s is payload size over round-trip time, encoding and decoding on the client
 * included. Binary mode's client is the runtime's own wire codec, as a Chainlet calling a binary
 * dependency encodes and decodes: the array goes out as a chunk of its own and comes back as a view of
 * the answer, so the client copies the answer once, as the raw client does. The same service called
 * with msgpackr's plain `pack`/`unpack` (each copies the array) is reported beside it, and so is the
 * chain's generated typed client in binary mode (given msgpackr itself, as its docs advise), and the raw
 * server's answer read as binary mode's client reads it (`rawAlignedReadRatio`), which splits binary
 * mode's distance to raw between the client's read and the Chainlet. Then a stream of small items through two hops (Relay → Counter): time to first item
 * and items/s. Either half reports "not available yet" until the runtime supports it.
 */
export const binaryBenchmark: Benchmark = {
  name: "binary",
  title: "Binary and streaming: Float32Array through one hop; stream of small items through two hops",
  async run(context) {
    const binary = await binaryHalf(context).catch(unavailableHalf);
    const streaming = await streamingHalf(context).catch(unavailableHalf);
    if ("reason" in binary && "reason" in streaming) throw new NotAvailable(`binary: ${binary.reason}\nstreaming: ${streaming.reason}`);
    const rows: Row[] = [];
    const notes: string[] = [];
    if ("reason" in binary) notes.push(`Binary part not available yet: ${binary.reason}`);
    else rows.push(...binary.rows);
    if ("reason" in streaming) notes.push(`Streaming part not available yet: ${streaming.reason}`);
    else rows.push(...streaming.rows);
    const binaryRatio = "reason" in binary ? null : binary.binaryRatio;
    return {
      available: true,
      columns: ["measure", "figure", "vs raw"],
      rows,
      ratios: {
        binaryRatio,
        jsonRatio: "reason" in binary ? null : binary.jsonRatio,
        binaryMsgpackrClientRatio: "reason" in binary ? null : binary.binaryMsgpackrClientRatio,
        binaryTypedClientRatio: "reason" in binary ? null : binary.binaryTypedClientRatio,
        rawAlignedReadRatio: "reason" in binary ? null : binary.rawAlignedReadRatio,
        streamFirstItemMs: "reason" in streaming ? null : streaming.firstItemMs.median,
        streamItemsPerSec: "reason" in streaming ? null : streaming.itemsPerSec.median,
      },
      targets: [atLeast("binaryRatio ≥ 0.9 (binary mode MB/s vs raw octet-stream; issue 15)", binaryRatio, 0.9)],
      details: { binary: "reason" in binary ? binary : binary.details, streaming },
      notes: [...notes, ...("reason" in binary ? [] : binary.notes), ...("reason" in streaming ? [] : streaming.notes)],
    };
  },
};

function unavailableHalf(error: unknown): { reason: string } {
  if (error instanceof NotAvailable) return { reason: error.message };
  throw error;
}

async function binaryHalf({ settings, log }: BenchmarkContext) {
  const megabytes = settings.smoke ? 1 : 10;
  const samples = new Float32Array((megabytes * 1_000_000) / 4).map((_, i) => Math.sin(i / 100));
  const served = await serveFixture(fixturePath("bench/fixtures/binary/chain.ts"));
  // The chain's own generated client package (built once with the chain), given msgpackr itself as a caller would.
  const clientPackage = join(await buildFixture(fixturePath("bench/fixtures/binary/chain.ts")), "clients", "echo-samples", "index.js");
  const { EchoSamplesClient } = (await import(pathToFileURL(clientPackage).href)) as {
    EchoSamplesClient: new (options: { baseUrl: string; msgpack: typeof msgpackr }) => { runRemote(samples: Float32Array): Promise<unknown> };
  };
  const typedClient = new EchoSamplesClient({ baseUrl: served.url, msgpack: msgpackr });
  const raw = await spawnListening([await childScript("baselines/raw-echo-server")], { listeningType: "listening" });
  try {
    const endpoint = `${served.url}/v1/run_remote`;
    const ways: Record<Way, RoundTrip> = {
      "JSON / base64": async (array) => {
        const body = JSON.stringify({ samples: Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString("base64") });
        const text = await post(endpoint, "application/json", body, "text");
        return asFloat32(Buffer.from(JSON.parse(text) as string, "base64"));
      },
      "binary (msgpack)": async (array) =>
        asSamples(decode("msgpack", await post(endpoint, "application/msgpack", encodeChunks("msgpack", { samples: array }), "bytes", (head) => alignedOffsetOf("msgpack", head)))),
      "binary (msgpack), msgpackr pack/unpack in the client": async (array) =>
        asSamples(packr.unpack(await post(endpoint, "application/msgpack", packr.pack({ samples: array }), "bytes"))),
      "binary (msgpack), the generated typed client": async (array) => asSamples(await typedClient.runRemote(array)),
      "raw octet-stream (node:http)": async (array) => {
        return asFloat32(await post(raw.url, "application/octet-stream", Buffer.from(array.buffer, array.byteOffset, array.byteLength), "bytes"));
      },
      // The raw server's answer read as the binary way reads the Chainlet's: this row against the raw row is
      // the client's share of binary mode's distance to raw, and against binary mode the Chainlet's.
      "raw octet-stream, answer read as binary mode's client reads it": async (array) =>
        asFloat32(await post(raw.url, "application/octet-stream", [Buffer.from(array.buffer, array.byteOffset, array.byteLength)], "bytes", () => 0)),
      "in-process (runLocal)": async (array) => {
        const echo = await runLocal(EchoSamples);
        return echo.runRemote(array);
      },
    };
    await formatReady("msgpack");
    const probe = samples.subarray(0, 1024);
    for (const [way, roundTrip] of Object.entries(ways) as Array<[Way, RoundTrip]>) {
      let answer: Float32Array;
      try {
        answer = await roundTrip(probe);
      } catch (error) {
        if (way === "raw octet-stream (node:http)" || way === "in-process (runLocal)") throw error;
        throw new NotAvailable(`${way} does not work yet: ${(error as Error).message}`);
      }
      if (answer.length !== probe.length || answer.some((v, i) => v !== probe[i])) {
        throw new NotAvailable(`${way} does not return the samples it was sent`);
      }
    }
    // A repeat cycles through the ways one round trip at a time for a bounded time (each way at least
    // `minRoundTrips` times), so that every way meets the same moments of this shared machine; a way's
    // figure is its bytes over the time spent in its own round trips. Repeats of a few round trips of one
    // way after another swung ±144 % (one 10 MB round trip takes 25-400 ms here, with the load). The
    // order changes every cycle (`balancedOrder`): what a way leaves behind falls on every other way alike.
    const minRoundTrips = settings.smoke ? 1 : 4;
    const all = Object.entries(ways) as Array<[Way, RoundTrip]>;
    const repeatMs = settings.smoke ? 0 : REPEAT_SECONDS_PER_WAY * 1000 * all.length;
    const roundTripCounts = new Map<Way, number[]>();
    const mbPerSec = new Map<Way, number[]>();
    // A way that fails on the full payload (while the probe passed) is reported as failing, not dropped silently.
    const failures = new Map<Way, string>();
    /** One round trip of `way`, timed; undefined once the way has failed. */
    const timed = async (way: Way, roundTrip: RoundTrip): Promise<number | undefined> => {
      if (failures.has(way)) return undefined;
      try {
        const t0 = performance.now();
        await roundTrip(samples);
        return performance.now() - t0;
      } catch (error) {
        if (way === "raw octet-stream (node:http)") throw error;
        failures.set(way, (error as Error).message);
        mbPerSec.delete(way);
        log(`  ${way} fails with ${megabytes} MB: ${(error as Error).message}`);
        return undefined;
      }
    };
    for (let repeat = 0; repeat < settings.repeats; repeat++) {
      for (const [way, roundTrip] of all) await timed(way, roundTrip); // untimed warm-up
      const spent = new Map<Way, { ms: number; count: number }>(all.map(([way]) => [way, { ms: 0, count: 0 }]));
      const t0 = performance.now();
      for (let cycle = 0; cycle < minRoundTrips || performance.now() - t0 < repeatMs; cycle++) {
        for (const index of balancedOrder(all.length, cycle)) {
          const [way, roundTrip] = all[index]!;
          const ms = await timed(way, roundTrip);
          if (ms === undefined) continue;
          spent.get(way)!.ms += ms;
          spent.get(way)!.count++;
        }
      }
      for (const [way, { ms, count }] of spent) {
        if (failures.has(way)) continue;
        const figure = (megabytes * count) / (ms / 1000);
        log(`  ${way} #${repeat + 1}: ${figure.toFixed(0)} MB/s (${count} round trips)`);
        mbPerSec.set(way, [...(mbPerSec.get(way) ?? []), figure]);
        roundTripCounts.set(way, [...(roundTripCounts.get(way) ?? []), count]);
      }
    }
    const figures = new Map([...mbPerSec].map(([way, list]) => [way, repeated(list)]));
    const rawFigure = figures.get("raw octet-stream (node:http)")!.median;
    const rows: Row[] = (Object.keys(ways) as Way[]).map((way) => {
      const r = figures.get(way);
      return {
        measure: `${megabytes} MB Float32Array round trip, ${way}`,
        figure: r ? `${withSpread(r, 0)} MB/s` : `fails: ${failures.get(way)!.slice(0, 160)}`,
        "vs raw": r ? `${(r.median / rawFigure).toFixed(2)}×` : "n/a",
      };
    });
    return {
      rows,
      binaryRatio: ratio(figures.get("binary (msgpack)")?.median, rawFigure),
      binaryMsgpackrClientRatio: ratio(figures.get("binary (msgpack), msgpackr pack/unpack in the client")?.median, rawFigure),
      binaryTypedClientRatio: ratio(figures.get("binary (msgpack), the generated typed client")?.median, rawFigure),
      rawAlignedReadRatio: ratio(figures.get("raw octet-stream, answer read as binary mode's client reads it")?.median, rawFigure),
      jsonRatio: ratio(figures.get("JSON / base64")?.median, rawFigure),
      details: { mbPerSec: Object.fromEntries(figures), roundTrips: Object.fromEntries(roundTripCounts), failures: Object.fromEntries(failures) },
      notes: [
        `Each figure: median of ${settings.repeats} repeats; a repeat is one untimed round trip per way, then the ways in turn, one round trip each, in a different order each cycle (a balanced design: each way follows every other equally often), for ${repeatMs / 1000} s (at least ${minRoundTrips} each), a way's MB/s being its bytes over the time of its own round trips; the Chainlet and the raw server each run in their own process, the client in the benchmark process.`,
      ],
    };
  } finally {
    await raw.stop();
    await served.stop();
  }
}

async function streamingHalf({ settings, log }: BenchmarkContext) {
  const count = settings.smoke ? 1_000 : 100_000;
  const served = await serveFixture(fixturePath("bench/fixtures/stream/chain.ts"));
  try {
    const consume = async (items: number) => {
      const t0 = performance.now();
      const response = await request(`${served.url}/v1/run_remote`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ count: items }),
      });
      if (response.statusCode !== 200) throw new NotAvailable(`streaming answered ${response.statusCode}: ${(await response.body.text()).slice(0, 300)}`);
      let firstItemMs = Number.NaN;
      let received = 0;
      let pending = "";
      for await (const chunk of response.body) {
        pending += (chunk as Buffer).toString("utf8");
        let newline = pending.indexOf("\n");
        while (newline !== -1) {
          const line = pending.slice(0, newline);
          pending = pending.slice(newline + 1);
          newline = pending.indexOf("\n");
          if (line.length === 0) continue;
          const item = JSON.parse(line) as { index?: number; error?: unknown };
          if (item.error !== undefined || item.index !== received) {
            throw new NotAvailable(`the stream sent ${line.slice(0, 200)} as item ${received}`);
          }
          if (received === 0) firstItemMs = performance.now() - t0;
          received++;
        }
      }
      if (received !== items) throw new NotAvailable(`the stream ended after ${received} of ${items} items`);
      return { firstItemMs, itemsPerSec: items / ((performance.now() - t0) / 1000) };
    };
    await consume(settings.smoke ? 3 : 20_000);
    const first: number[] = [];
    const rates: number[] = [];
    for (let repeat = 0; repeat < settings.repeats; repeat++) {
      const result = await consume(count);
      log(`  stream #${repeat + 1}: first item ${result.firstItemMs.toFixed(1)} ms, ${result.itemsPerSec.toFixed(0)} items/s`);
      first.push(result.firstItemMs);
      rates.push(result.itemsPerSec);
    }
    const firstItemMs: Repeated = repeated(first);
    const itemsPerSec: Repeated = repeated(rates);
    return {
      firstItemMs,
      itemsPerSec,
      rows: [
        { measure: `stream of ${count.toLocaleString("en-US")} items through two hops: time to first item`, figure: `${withSpread(firstItemMs, 1)} ms`, "vs raw": "" },
        { measure: `stream of ${count.toLocaleString("en-US")} items through two hops: throughput`, figure: `${withSpread(itemsPerSec, 0)} items/s`, "vs raw": "" },
      ] satisfies Row[],
      notes: [`Stream: Relay → Counter (bench/fixtures/stream), ndjson, consumed line by line by the benchmark process; median of ${settings.repeats}.`],
    };
  } finally {
    await served.stop();
  }
}

/** A request body: whole, or the chunks of one body (written in order, none copied), sent with their total length. */
type Body = string | Buffer | Uint8Array[];

/**
 * POSTs `body` and reads the answer whole (one copy). With `aligned` (an offset named from the first
 * chunk), as the runtime's transport reads it: into one buffer of its Content-Length placed so that
 * offset is 8-byte aligned, where a typed array can be viewed; else with undici's `arrayBuffer()`.
 */
async function post(url: string, contentType: string, body: Body, as: "text"): Promise<string>;
async function post(url: string, contentType: string, body: Body, as: "bytes", aligned?: (head: Uint8Array) => number | undefined): Promise<Buffer>;
async function post(url: string, contentType: string, body: Body, as: "text" | "bytes", aligned?: (head: Uint8Array) => number | undefined): Promise<string | Buffer> {
  const headers: Record<string, string> = { "content-type": contentType };
  if (Array.isArray(body)) headers["content-length"] = String(body.reduce((sum, chunk) => sum + chunk.length, 0));
  // The chunks go out as the runtime's transport sends them: a stream of the chunks, none copied.
  const response = await request(url, { method: "POST", headers, body: Array.isArray(body) ? Readable.from(body, { objectMode: false }) : body });
  const declared = Number(response.headers["content-length"]);
  const bytes = aligned
    ? await readWholeBody(response.body, Number.isFinite(declared) ? declared : undefined, aligned)
    : Buffer.from(await response.body.arrayBuffer());
  if (response.statusCode !== 200) throw new Error(`answered ${response.statusCode} ${errorSummary(bytes)}`);
  return as === "text" ? bytes.toString("utf8") : bytes;
}

/** "RangeError: message" from a tschains error envelope, else the start of the body. */
function errorSummary(body: Buffer): string {
  try {
    const envelope = JSON.parse(body.toString("utf8")) as { error?: { type?: string; message?: string } };
    if (envelope.error?.message) return `${envelope.error.type ?? "Error"}: ${envelope.error.message}`;
  } catch {
    // Not JSON: show the raw start below.
  }
  return body.toString("utf8").slice(0, 200);
}

/** The bytes as float32 samples, viewed in place unless Node placed them at an unaligned offset. */
function asFloat32(bytes: Buffer): Float32Array {
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : Buffer.from(bytes);
  return new Float32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4);
}

/** The echoed samples, or NotAvailable naming what binary mode answered instead. */
function asSamples(answer: unknown): Float32Array {
  if (!(answer instanceof Float32Array)) throw new NotAvailable(`binary mode answered ${describe(answer)}, not a Float32Array`);
  return answer;
}

function describe(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  return value.constructor?.name ?? "an object";
}
