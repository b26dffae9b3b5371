import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Readable } from "node:stream";
import * as msgpackr from "msgpackr";
import { Packr } from "msgpackr";
import { request } from "undici";
import { buildFixtureChain, serveWithLogs, type BuiltChain, type ServedWithLogs } from "./served-fixture.js";

const packr = new Packr({ moreTypes: true, useRecords: false });
const special = [Number.NaN, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1.5, -3.25];

function payload() {
  return {
    u8: new Uint8Array([0, 1, 127, 128, 255]),
    buf: Buffer.from("tschains \u2713"),
    u8c: new Uint8ClampedArray([0, 200, 255]),
    i8: new Int8Array([-128, -1, 0, 127]),
    i16: new Int16Array([-32768, -1, 0, 32767]),
    u16: new Uint16Array([0, 1, 65535]),
    i32: new Int32Array([-2147483648, -1, 0, 2147483647]),
    u32: new Uint32Array([0, 1, 4294967295]),
    f32: new Float32Array(special),
    f64: new Float64Array([...special, Number.MIN_VALUE, Number.MAX_VALUE]),
    chunks: [
      { offset: 0, samples: new Float32Array([0.5, Number.NaN, -0]) },
      { offset: 3, samples: new Float32Array([Number.NEGATIVE_INFINITY]) },
    ],
  };
}
const alone = new Float64Array([-0, Number.NaN, Number.POSITIVE_INFINITY, Math.PI]);

/** The class every binary value must have on arrival, keyed as `classesOf` in the fixture keys them. */
const expectedClasses = {
  alone: "Float64Array",
  u8: "Uint8Array",
  buf: "Buffer",
  u8c: "Uint8ClampedArray",
  i8: "Int8Array",
  i16: "Int16Array",
  u16: "Uint16Array",
  i32: "Int32Array",
  u32: "Uint32Array",
  f32: "Float32Array",
  f64: "Float64Array",
  "chunks/0/samples": "Float32Array",
  "chunks/1/samples": "Float32Array",
};

const bytes = (view: ArrayBufferView) => Buffer.from(view.buffer, view.byteOffset, view.byteLength);

/** Same class (a Buffer may come back as a plain Uint8Array) and the same bytes, so NaN and -0 count. */
function expectSameBinary(actual: any, expected: ArrayBufferView, viaClient = false) {
  const expectedClass = viaClient && Buffer.isBuffer(expected) ? Uint8Array : expected.constructor;
  expect(actual.constructor).toBe(expectedClass);
  expect(bytes(actual).equals(bytes(expected))).toBe(true);
}

function expectEcho(echo: any, viaClient = false) {
  const sent = payload();
  for (const key of ["u8", "buf", "u8c", "i8", "i16", "u16", "i32", "u32", "f32", "f64"] as const) expectSameBinary(echo.payload[key], sent[key], viaClient);
  expect(echo.payload.chunks.map((c: any) => c.offset)).toEqual([0, 3]);
  sent.chunks.forEach((chunk, i) => expectSameBinary(echo.payload.chunks[i].samples, chunk.samples));
  expectSameBinary(echo.alone, alone);
  expect(echo.seenByEntry).toEqual(expectedClasses);
  expect(echo.seenByWorker).toEqual(expectedClasses);
}

async function postMsgpack(url: string, body: unknown): Promise<{ status: number; contentType: string; value: any }> {
  const response = await request(`${url}/v1/run_remote`, {
    method: "POST",
    headers: { "content-type": "application/msgpack" },
    body: packr.pack(body),
  });
  const raw = Buffer.from(await response.body.arrayBuffer());
  const contentType = String(response.headers["content-type"]);
  return { status: response.statusCode, contentType, value: contentType === "application/msgpack" ? packr.unpack(raw) : JSON.parse(raw.toString()) };
}

/** A MessagePack body posted in pieces without a Content-Length: undici sends it chunked. */
async function postChunkedMsgpack(url: string, body: unknown): Promise<{ status: number; headers: Record<string, unknown>; value: any }> {
  const packed = packr.pack(body);
  const pieces = function* () {
    for (let at = 0; at < packed.length; at += 65_531) yield packed.subarray(at, at + 65_531);
  };
  const response = await request(`${url}/v1/run_remote`, { method: "POST", headers: { "content-type": "application/msgpack" }, body: Readable.from(pieces()) });
  const raw = Buffer.from(await response.body.arrayBuffer());
  const contentType = String(response.headers["content-type"]);
  return { status: response.statusCode, headers: response.headers, value: contentType === "application/msgpack" ? packr.unpack(raw) : JSON.parse(raw.toString()) };
}

async function postJson(url: string, text: string): Promise<{ status: number; value: any }> {
  const response = await request(`${url}/v1/run_remote`, { method: "POST", headers: { "content-type": "application/json" }, body: text });
  return { status: response.statusCode, value: await response.body.json() };
}

describe("every binary type through two served hops (fixtures/binary-types)", () => {
  let built: BuiltChain;
  let served: ServedWithLogs;

  beforeAll(async () => {
    built = await buildFixtureChain("binary-types");
    served = await serveWithLogs(built.chainDir, { env: { CHAINS_MAX_BODY_BYTES: String(160 * 1024 * 1024), CHAINS_MAX_ANSWER_BYTES: String(160 * 1024 * 1024) } });
  });
  afterAll(async () => {
    await served?.stop();
    built?.remove();
  });

  for (const binaryHop of [false, true]) {
    const hop = binaryHop ? "a binary (MessagePack) inner hop" : "a JSON inner hop";

    it(`round-trips exact values and classes from the generated JSON client over ${hop}`, async () => {
      const { BinaryEntryClient } = await built.client("binary-entry");
      const echo = await new BinaryEntryClient({ baseUrl: served.url }).runRemote(payload(), alone, binaryHop);
      expectEcho(echo, true);
    });

    it(`round-trips exact values and classes from the generated client in binary mode over ${hop}`, async () => {
      const { BinaryEntryClient } = await built.client("binary-entry");
      const echo = await new BinaryEntryClient({ baseUrl: served.url, msgpack: packr }).runRemote(payload(), alone, binaryHop);
      // The client promises `Buffer` back as a plain Uint8Array in both modes (it needs no Node types).
      expectEcho(echo, true);
    });

    it(`round-trips exact values and classes from a MessagePack caller over ${hop}`, async () => {
      const answer = await postMsgpack(served.url, { payload: payload(), alone, binaryHop });
      expect(answer.status).toBe(200);
      expect(answer.contentType).toBe("application/msgpack");
      expectEcho(answer.value);
    });
  }

  it("round-trips large typed arrays through the generated client given msgpackr itself, the large Uint8Array read back as a view of the answer", async () => {
    const { BinaryEntryClient } = await built.client("binary-entry");
    const f32 = new Float32Array(2_500_000).map((_, i) => Math.cos(i / 11));
    f32.set([Number.NaN, -0, Number.POSITIVE_INFINITY], 0);
    const u8 = new Uint8Array(1_000_000).map((_, i) => i % 253);
    const echo = await new BinaryEntryClient({ baseUrl: served.url, msgpack: msgpackr }).runRemote({ ...payload(), f32, u8 }, alone, true);
    expectSameBinary(echo.payload.f32, f32, true);
    expectSameBinary(echo.payload.u8, u8, true);
    expectSameBinary(echo.alone, alone, true);
    expect(echo.seenByWorker).toEqual(expectedClasses);
    // Not copied out of the answer: the large Uint8Array is a view of the buffer the client read it into.
    // (The Float32Array is one too when the answer's first chunk shows where it starts: test/client/client-binary-mode.)
    expect(echo.payload.u8.buffer.byteLength > u8.byteLength + f32.byteLength).toBe(true);
  });

  it("answers 400 naming the path for a wrong element type in MessagePack", async () => {
    const wrong = { ...payload(), f32: new Int32Array([1, 2]) };
    const answer = await postMsgpack(served.url, { payload: wrong, alone, binaryHop: true });
    expect(answer.status).toBe(400);
    expect(answer.value.error).toMatchObject({ code: "CH2101", chainlet: "binary-entry" });
    expect(answer.value.error.message).toContain("/payload/f32: must be a Float32Array, got a Int32Array");

    const nested = payload();
    (nested.chunks[1] as any).samples = new Float64Array([1]);
    const nestedAnswer = await postMsgpack(served.url, { payload: nested, alone, binaryHop: true });
    expect(nestedAnswer.status).toBe(400);
    expect(nestedAnswer.value.error.message).toContain("/payload/chunks/1/samples: must be a Float32Array");
  });

  it("throws the typed RemoteError from the binary-mode client for a wrong element type", async () => {
    const { BinaryEntryClient, RemoteError } = await built.client("binary-entry");
    const error: any = await new BinaryEntryClient({ baseUrl: served.url, msgpack: packr })
      .runRemote({ ...payload(), i16: new Uint16Array([1]) }, alone, true)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error.status).toBe(400);
    expect(error.envelope.error.message).toContain("/payload/i16: must be a Int16Array, got a Uint16Array");
  });

  it("answers 400 naming the path for invalid base64 in JSON", async () => {
    // The JSON wire form, built by hand: base64 of each typed array's bytes.
    const wire = (view: ArrayBufferView) => bytes(view).toString("base64");
    const p = payload();
    const body: any = {
      payload: {
        ...Object.fromEntries(Object.entries(p).filter(([k]) => k !== "chunks").map(([k, v]) => [k, wire(v as ArrayBufferView)])),
        chunks: p.chunks.map((c) => ({ offset: c.offset, samples: wire(c.samples) })),
      },
      alone: wire(alone),
      binaryHop: false,
    };
    expect((await postJson(served.url, JSON.stringify(body))).status).toBe(200);

    body.payload.u8 = "not base64!";
    body.payload.chunks[0].samples = "AAAA"; // valid base64, but 3 bytes: not whole float32 elements
    const answer = await postJson(served.url, JSON.stringify(body));
    expect(answer.status).toBe(400);
    expect(answer.value.error.code).toBe("CH2101");
    expect(answer.value.error.message).toContain("/payload/u8: must be a valid base64 string");
    expect(answer.value.error.message).toContain("/payload/chunks/0/samples: must hold a multiple of 4 bytes");
  });

  it("takes a chunked MessagePack body (no Content-Length) with large typed arrays through both hops byte-exact", async () => {
    const wide = new Float32Array(300_000).map((_, i) => Math.sin(i / 13));
    wide.set([Number.NaN, -0, Number.POSITIVE_INFINITY], 0);
    const wider = new Float64Array(100_000).map((_, i) => i / 3);
    const sent = { payload: { ...payload(), f32: wide, f64: wider }, alone, binaryHop: true };
    const answer = await postChunkedMsgpack(served.url, sent);
    expect(answer.status, JSON.stringify(answer.value?.error ?? "").slice(0, 2000)).toBe(200);
    expectSameBinary(answer.value.payload.f32, wide);
    expectSameBinary(answer.value.payload.f64, wider);
    expectSameBinary(answer.value.payload.u8, payload().u8);
    expectSameBinary(answer.value.alone, alone);
    expect(answer.value.seenByEntry).toEqual(expectedClasses);
    expect(answer.value.seenByWorker).toEqual(expectedClasses);
  });

  it("moves a 64 MiB payload through both hops in binary mode with a raised body limit", async () => {
    const big = new Uint8Array(64 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4093) big[i] = i % 251;
    const answer = await postMsgpack(served.url, { payload: { ...payload(), u8: big }, alone, binaryHop: true });
    expect(answer.status, JSON.stringify(answer.value?.error ?? "").slice(0, 2000)).toBe(200);
    expect(answer.value.payload.u8).toBeInstanceOf(Uint8Array);
    expect(answer.value.payload.u8.length).toBe(big.length);
    expect(bytes(answer.value.payload.u8).equals(bytes(big))).toBe(true);
  });
});

describe("the default body limit (fixtures/binary-types)", () => {
  let built: BuiltChain;
  let served: ServedWithLogs;

  beforeAll(async () => {
    built = await buildFixtureChain("binary-types");
    served = await serveWithLogs(built.chainDir);
  });
  afterAll(async () => {
    await served?.stop();
    built?.remove();
  });

  it("refuses a 64 MiB payload with 413 naming CHAINS_MAX_BODY_BYTES", async () => {
    const answer = await postMsgpack(served.url, { payload: { ...payload(), u8: new Uint8Array(64 * 1024 * 1024) }, alone, binaryHop: true });
    expect(answer.status, JSON.stringify(answer.value?.error ?? "").slice(0, 2000)).toBe(413);
    expect(answer.value.error).toMatchObject({ code: "CH2103", chainlet: "binary-entry" });
    expect(answer.value.error.message).toContain("CHAINS_MAX_BODY_BYTES");
  });

  it("refuses a chunked payload (no Content-Length) with 413 once it passes the limit mid-body, and keeps serving", async () => {
    const answer = await postChunkedMsgpack(served.url, { payload: { ...payload(), u8: new Uint8Array(64 * 1024 * 1024) }, alone, binaryHop: true });
    expect(answer.status, JSON.stringify(answer.value?.error ?? "").slice(0, 2000)).toBe(413);
    expect(answer.value.error).toMatchObject({ code: "CH2103", chainlet: "binary-entry" });
    expect(answer.value.error.message).toContain("CHAINS_MAX_BODY_BYTES");
    const after = await postChunkedMsgpack(served.url, { payload: payload(), alone, binaryHop: true });
    expect(after.status).toBe(200);
    expectEcho(after.value);
  });
});
