import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { request } from "undici";
import { buildFixtureChain, serveWithLogs, until, type BuiltChain, type ServedWithLogs } from "../integration/served-fixture.js";
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from "./otlp-receiver.js";

const SERVER = 2;
const CLIENT = 3;
const INTERNAL = 1;
const ERROR = 2;

async function call(url: string, key: string, traceId: string, parentId: string): Promise<{ status: number; body: any }> {
  const response = await request(`${url}/v1/run_remote`, {
    method: "POST",
    headers: { "content-type": "application/json", traceparent: `00-${traceId}-${parentId}-01` },
    body: JSON.stringify({ key }),
  });
  return { status: response.statusCode, body: await response.body.json() };
}

function byId(spans: ReceivedSpan[]): Map<string, ReceivedSpan> {
  return new Map(spans.map((s) => [s.spanId, s]));
}

/** The one span that matches, failing with the list of what was received otherwise. */
function only(spans: ReceivedSpan[], match: (s: ReceivedSpan) => boolean): ReceivedSpan {
  const found = spans.filter(match);
  expect(found, JSON.stringify(spans.map((s) => [s.service, s.name, s.kind]))).toHaveLength(1);
  return found[0]!;
}

describe("OpenTelemetry traces across hops (fixtures/traced, exported to a real OTLP/HTTP receiver)", () => {
  let built: BuiltChain;
  let served: ServedWithLogs;
  let receiver: OtlpReceiver;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    built = await buildFixtureChain("traced");
    served = await serveWithLogs(built.chainDir, {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: "20", CHAINS_RETRY_BASE_MS: "5" },
    });
  });
  afterAll(async () => {
    await served?.stop();
    await receiver?.close();
    built?.remove();
  });

  it("one failing outside call through three hops is one trace: parented spans, a retried attempt, the error and its status", async () => {
    const traceId = randomBytes(16).toString("hex");
    const callerSpan = randomBytes(8).toString("hex");
    const answer = await call(served.url, "missing-7", traceId, callerSpan);
    expect(answer.status).toBe(500);
    expect(answer.body.error.cause.cause.message).toBe("no record for missing-7");

    const inTrace = () => receiver.spans.filter((s) => s.traceId === traceId);
    await until(() => inTrace().length >= 8);
    const spans = inTrace();
    expect(spans).toHaveLength(8);
    expect(receiver.contentTypes[0]).toBe("application/x-protobuf");
    const ids = byId(spans);
    const parentOf = (s: ReceivedSpan) => ids.get(s.parentSpanId);

    // Outside caller → Storefront: the server span continues the caller's W3C trace context.
    const front = only(spans, (s) => s.service === "storefront" && s.kind === SERVER);
    expect(front.name).toBe("storefront/runRemote");
    expect(front.parentSpanId).toBe(callerSpan);
    expect(front.attributes).toMatchObject({ "rpc.system": "tschains", "rpc.method": "runRemote", "http.request.method": "POST", "http.route": "/v1/run_remote", "http.response.status_code": 500 });
    expect(front.status.code).toBe(ERROR);

    // Storefront → Catalog: one attempt (retries: 0), the Catalog server span its child.
    const toCatalog = only(spans, (s) => s.service === "storefront" && s.kind === CLIENT);
    expect(parentOf(toCatalog)).toBe(front);
    expect(toCatalog.attributes).toMatchObject({ "rpc.service": "catalog", "http.response.status_code": 500, "server.address": "127.0.0.1" });
    expect(toCatalog.status.code).toBe(ERROR);
    const catalog = only(spans, (s) => s.service === "catalog" && s.kind === SERVER);
    expect(parentOf(catalog)).toBe(toCatalog);
    expect(catalog.status.code).toBe(ERROR);
    // The error chain, outermost first: Catalog's RemoteError caused by Inventory's Error.
    const exceptions = catalog.events.filter((e) => e.name === "exception").map((e) => [e.attributes["exception.type"], e.attributes["exception.message"]]);
    expect(exceptions).toEqual([
      ["RemoteError", 'CH2122: dependency "inventory" failed: 500 no record for missing-7'],
      ["Error", "no record for missing-7"],
    ]);
    const inventoryFrame = catalog.events.find((e) => e.attributes["exception.type"] === "Error")!.attributes["exception.stacktrace"];
    expect(String(inventoryFrame)).toMatch(/chain\.ts:\d+/);

    // Catalog → Inventory: attempt 0 answered 503 and waited before attempt 1, which failed with 500.
    const attempts = spans.filter((s) => s.service === "catalog" && s.kind === CLIENT).sort((a, b) => Number(a.startNs - b.startNs));
    expect(attempts).toHaveLength(2);
    for (const attempt of attempts) expect(parentOf(attempt)).toBe(catalog);
    expect(attempts[0]!.attributes["http.response.status_code"]).toBe(503);
    expect(attempts[0]!.attributes["http.request.resend_count"]).toBeUndefined();
    const retry = attempts[0]!.events.find((e) => e.name === "tschains.retry");
    expect(retry?.attributes["tschains.retry.next_attempt"]).toBe(1);
    expect(retry?.attributes["tschains.retry.backoff_ms"]).toBeGreaterThanOrEqual(0);
    expect(attempts[1]!.attributes).toMatchObject({ "http.request.resend_count": 1, "http.response.status_code": 500 });
    expect(attempts.map((a) => a.status.code)).toEqual([ERROR, ERROR]);

    // Each attempt reached its own Inventory server span; the second ran the user's span.
    const inventory = spans.filter((s) => s.service === "inventory" && s.kind === SERVER);
    expect(inventory.map((s) => parentOf(s)).sort((a, b) => Number(a!.startNs - b!.startNs))).toEqual(attempts);
    const failed = inventory.find((s) => s.attributes["http.response.status_code"] === 500)!;
    expect(failed.status).toEqual({ code: ERROR, message: "no record for missing-7" });
    const warming = inventory.find((s) => s.attributes["http.response.status_code"] === 503)!;
    expect(warming.events.find((e) => e.name === "exception")?.attributes["exception.message"]).toBe("warming up");
    const lookup = only(spans, (s) => s.name === "inventory.lookup");
    expect(lookup.kind).toBe(INTERNAL);
    expect(parentOf(lookup)).toBe(failed);

    // Nothing secret or from a body in any attribute: no token, no authorization header, no input.
    for (const span of spans) {
      for (const [key, value] of Object.entries(span.attributes)) {
        expect(key).not.toMatch(/authorization|token|body/i);
        expect(String(value)).not.toMatch(/Bearer|missing-7/);
      }
    }
  });

  it("the generated client hands the caller's W3C trace context to the chain", async () => {
    const traceId = randomBytes(16).toString("hex");
    const callerSpan = randomBytes(8).toString("hex");
    const { StorefrontClient } = await built.client("storefront");
    const client = new StorefrontClient({ baseUrl: served.url, headers: () => ({ traceparent: `00-${traceId}-${callerSpan}-01` }) });
    expect(await client.runRemote("pears")).toBe("pears: 5 in stock");
    await until(() => receiver.spans.some((s) => s.traceId === traceId && s.service === "storefront" && s.kind === SERVER));
    const front = receiver.spans.find((s) => s.traceId === traceId && s.service === "storefront" && s.kind === SERVER);
    expect(front?.parentSpanId).toBe(callerSpan);
  });

  it("a successful call's spans are not errors, and the user's span carries its attribute", async () => {
    const traceId = randomBytes(16).toString("hex");
    const answer = await call(served.url, "apples", traceId, randomBytes(8).toString("hex"));
    expect(answer).toEqual({ status: 200, body: "apples: 6 in stock" });
    const inTrace = () => receiver.spans.filter((s) => s.traceId === traceId);
    await until(() => inTrace().length >= 8);
    const spans = inTrace();
    expect(spans).toHaveLength(8);
    const errors = spans.filter((s) => s.status.code === ERROR).map((s) => `${s.service} ${s.kind} ${s.attributes["http.response.status_code"]}`);
    // Only the warming-up attempt (503) failed: the client span of it (the server span of a 503 is an error too).
    expect(errors.sort()).toEqual([`catalog ${CLIENT} 503`, `inventory ${SERVER} 503`]);
    expect(only(spans, (s) => s.name === "inventory.lookup").attributes["inventory.stock"]).toBe(6);
    expect(only(spans, (s) => s.service === "storefront" && s.kind === SERVER).attributes["http.response.status_code"]).toBe(200);
  });
});
