// Run-time half of the hostile-input suite: a served Chainlet (its own process, so its peak memory is
// its own) against a misbehaving dependency and a misbehaving raw-socket client.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENV, secretEnvName } from "../../runtime-node/protocol/env.js";
import { ENVELOPE_LIMITS } from "../../runtime-node/protocol/error-envelope.js";
import { NDJSON_TYPE } from "../../runtime-node/protocol/http.js";
import { bundleServerEntry, eachLine } from "../runtime/bundled-child.js";
import { post } from "../runtime/harness.js";
import { startHostileDependency, type HostileDependency } from "./runtime/hostile-dependency.js";

const MiB = 1024 * 1024;
/** Generous but finite: a process that buffered any one hostile answer whole would pass it. */
const RSS_CEILING = 400 * MiB;
const SECRET = 'p@ss "w/ord"+x\\y';

let dir: string;
let dependency: HostileDependency;
let child: ChildProcess;
const urls: Record<string, string> = {};
const lines: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tschains-hostile-"));
  const bundle = join(dir, "server.mjs");
  await bundleServerEntry(fileURLToPath(new URL("./runtime/hostile-entry.ts", import.meta.url)), bundle);
  dependency = await startHostileDependency({ echoed: SECRET });
  child = spawn(process.execPath, [bundle], {
    env: {
      ...process.env,
      HOSTILE_URL: dependency.url,
      [ENV.port]: "0",
      [ENV.host]: "127.0.0.1",
      [ENV.entrypointPublic]: "1",
      [ENV.maxAnswerBytes]: String(16 * MiB),
      [ENV.maxFrameBytes]: String(4 * MiB),
      [ENV.headersTimeoutSec]: "2",
      [ENV.requestTimeoutSec]: "3",
      [secretEnvName("api_token")]: SECRET,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    eachLine(child.stdout!, (line) => {
      lines.push(line);
      const parsed = JSON.parse(line) as { chainlet: string; url?: string; msg: string };
      if (parsed.msg.includes("listening on")) urls[parsed.chainlet] = parsed.url!;
      if (urls.proxy && urls["stream-proxy"]) resolve();
    });
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
}, 60_000);

afterAll(async () => {
  child?.kill("SIGKILL");
  await dependency?.close();
  await rm(dir, { recursive: true, force: true });
});

/** The served process's peak resident memory so far, as it reports it. */
async function peakRss(): Promise<number> {
  const answer = await post(urls.proxy!, { mode: "maxrss" });
  expect(answer.status).toBe(200);
  return answer.body as number;
}

/** Every log line the child has written since `from`, once its batched stdout flushed them. */
async function logLinesAfter(from: number, match: string): Promise<string[]> {
  for (let i = 0; i < 50 && !lines.slice(from).some((line) => line.includes(match)); i++) await new Promise((r) => setTimeout(r, 100));
  return lines.slice(from);
}

/** The frames of a streamed answer, as text lines. */
async function streamed(mode: string): Promise<{ status: number; items: unknown[] }> {
  const res = await request(`${urls["stream-proxy"]}/v1/run_remote`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ mode }) });
  const text = await res.body.text();
  return { status: res.statusCode, items: text.split("\n").filter(Boolean).map((line) => JSON.parse(line)) };
}

describe("a misbehaving dependency", () => {
  it("stops reading an answer at CHAINS_MAX_ANSWER_BYTES, announced or not", async () => {
    for (const mode of ["huge", "huge-declared"]) {
      const answer = await post(urls.proxy!, { mode });
      expect(answer.status).toBe(500);
      expect(answer.body.error.code).toBe("CH2128");
      expect(answer.body.error.message).toContain(`larger than ${16 * MiB} bytes (${ENV.maxAnswerBytes})`);
    }
    expect(await peakRss()).toBeLessThan(RSS_CEILING);
  });

  it("forwards and logs an error envelope cut to its limits, however large or deep", async () => {
    const from = lines.length;
    const deep = await post(urls.proxy!, { mode: "deep-error" });
    expect(deep.status).toBe(500);
    expect(deep.text.length).toBeLessThan(64 * 1024);
    let depth = 0;
    for (let e = deep.body.error; e.cause; e = e.cause) depth++;
    expect(depth).toBeLessThanOrEqual(ENVELOPE_LIMITS.causeDepth + 1);
    expect(deep.body.error.cause.message.length).toBeLessThan(ENVELOPE_LIMITS.messageChars + 100);
    expect(deep.body.error.cause.message).toContain("more characters cut");

    const huge = await post(urls.proxy!, { mode: "huge-error" });
    expect(huge.status).toBe(500);
    expect(huge.text.length).toBeLessThan(8 * 1024);
    expect(huge.body.error.cause.message).toContain(`an error answer larger than ${ENVELOPE_LIMITS.maxBytes} bytes, not read further`);

    const logged = await logLinesAfter(from, "huge-error");
    expect(logged.some((line) => line.includes("deep-error"))).toBe(true);
    for (const line of logged) expect(line.length).toBeLessThan(256 * 1024);
    expect(await peakRss()).toBeLessThan(RSS_CEILING);
  });

  it("quotes only a short escaped fragment of an error body that is not an envelope", async () => {
    const answer = await post(urls.proxy!, { mode: "huge-error-text" });
    expect(answer.status).toBe(500);
    const root = answer.body.error.cause.message as string;
    expect(root.length).toBeLessThan(ENVELOPE_LIMITS.fragmentChars * 2 + 100);
    expect(root).toMatch(/^<html>\\n\\u001b\[31mbad gateway\\r\\n/);
    expect(answer.text).not.toContain("\u001b");
  });

  it("ends a stream at CHAINS_MAX_FRAME_BYTES: an endless ndjson line, a MessagePack frame announcing 4 GiB", async () => {
    for (const mode of ["endless-line", "msgpack-huge-frame"]) {
      const { status, items } = await streamed(mode);
      expect(status).toBe(200);
      const last = items.at(-1) as { error: { code: string; message: string } };
      expect(last.error.code).toBe("CH2128");
      expect(last.error.message).toContain(`stream frame larger than ${4 * MiB} bytes (${ENV.maxFrameBytes})`);
    }
    expect(await peakRss()).toBeLessThan(RSS_CEILING);
  });

  it("stops reading a dependency when the outside caller goes away, for a call and for a stream", async () => {
    const silent = dependency.watch("/silent");
    const call = new AbortController();
    const pending = request(`${urls.proxy}/v1/run_remote`, { method: "POST", body: JSON.stringify({ mode: "silent" }), headers: { "content-type": "application/json" }, signal: call.signal }).catch(() => undefined);
    await silent.arrived;
    call.abort();
    await pending;
    await silent.closed;

    const ticking = dependency.watch("/slow-stream");
    const res = await request(`${urls["stream-proxy"]}/v1/run_remote`, { method: "POST", body: JSON.stringify({ mode: "slow-stream" }), headers: { "content-type": "application/json" } });
    expect(res.headers["content-type"]).toBe(NDJSON_TYPE);
    for await (const chunk of res.body) if (String(chunk).includes("tick")) break;
    res.body.destroy();
    await ticking.closed;
  });
});

/** Writes `text` on a raw connection and returns what the server answers before it closes (or `waitMs` passes). */
function rawExchange(url: string, text: string, waitMs: number): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let answer = "";
    const timer = setTimeout(() => (socket.destroy(), resolve(`${answer}[still open after ${waitMs} ms]`)), waitMs);
    socket.on("data", (data) => (answer += data));
    socket.on("error", () => undefined);
    socket.on("close", () => (clearTimeout(timer), resolve(answer)));
    socket.write(text);
  });
}

const statusLine = (answer: string) => answer.split("\r\n")[0];
const envelopeOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4)) as { error: { code: string; message: string } };

describe("a misbehaving client", () => {
  it("gets its 408 once CHAINS_REQUEST_TIMEOUT_SEC / CHAINS_HEADERS_TIMEOUT_SEC have passed, not at the next 30 s sweep", async () => {
    const [body, headers] = await Promise.all([
      rawExchange(urls.proxy!, 'POST /v1/run_remote HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"mo', 15_000),
      rawExchange(urls.proxy!, "POST /v1/run_remote HTTP/1.1\r\nHost: x\r\ncontent-ty", 15_000),
    ]);
    expect(statusLine(body)).toBe("HTTP/1.1 408 Request Timeout");
    expect(statusLine(headers)).toBe("HTTP/1.1 408 Request Timeout");
    expect(envelopeOf(body).error.code).toBe("CH2114");
  }, 30_000);

  it("gets a registry error for a request Node's parser refuses: malformed (400), headers too large (431)", async () => {
    const garbage = await rawExchange(urls.proxy!, "GARBAGE /v1/run_remote HTTP/1.1\r\n\r\n", 10_000);
    expect([statusLine(garbage), envelopeOf(garbage).error.code]).toEqual(["HTTP/1.1 400 Bad Request", "CH2115"]);
    const overflow = await rawExchange(urls.proxy!, `POST /v1/run_remote HTTP/1.1\r\nHost: x\r\nx-big: ${"a".repeat(64 * 1024)}\r\n\r\n`, 10_000);
    expect([statusLine(overflow), envelopeOf(overflow).error.code]).toEqual(["HTTP/1.1 431 Request Header Fields Too Large", "CH2116"]);
  });

  it("is refused a body the server would have to decode: another charset (415), a Content-Encoding (415), a Transfer-Encoding (501)", async () => {
    const body = '{"mode":"maxrss"}';
    for (const contentType of ["application/json; charset=iso-8859-1", 'application/json; charset="UTF-16"']) {
      const answer = await post(urls.proxy!, null, { raw: body, headers: { "content-type": contentType } });
      expect(answer.status).toBe(415);
      expect(answer.body.error.code).toBe("CH2112");
    }
    expect((await post(urls.proxy!, null, { raw: body, headers: { "content-type": "application/json; charset=UTF-8" } })).status).toBe(200);
    const gzip = await post(urls.proxy!, null, { raw: body, headers: { "content-encoding": "gzip" } });
    expect([gzip.status, gzip.body.error.code]).toEqual([415, "CH2112"]);
    const chunked = `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
    const answer = await rawExchange(urls.proxy!, `POST /v1/run_remote HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ntransfer-encoding: gzip, chunked\r\n\r\n${chunked}`, 10_000);
    expect(statusLine(answer)).toBe("HTTP/1.1 501 Not Implemented");
    expect(envelopeOf(answer).error.code).toBe("CH2113");
  });

  it("sees only a short escaped fragment of a malformed body in the answer and the log", async () => {
    const from = lines.length;
    const hostile = `{"mode": \u001b[2J\n${"x".repeat(100_000)}`;
    const answer = await post(urls.proxy!, null, { raw: hostile });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe("CH2104");
    expect(answer.body.error.message.length).toBeLessThan(400);
    expect(answer.body.error.message).not.toMatch(/[\u0000-\u001f]/);
    const logged = await logLinesAfter(from, "CH2104");
    for (const line of logged) expect(line.length).toBeLessThan(2_000);
  });

  it("finds no form of a secret (JSON-escaped, URL-encoded, base64) in the answer or the log", async () => {
    const from = lines.length;
    const answer = await post(urls.proxy!, { mode: "leak-secret" });
    expect(answer.status).toBe(500);
    expect(answer.body.error.message).toContain("[redacted]");
    const logged = (await logLinesAfter(from, "upstream said")).join("\n");
    const forms = [JSON.stringify(SECRET).slice(1, -1), encodeURIComponent(SECRET), Buffer.from(SECRET).toString("base64url").slice(0, 12), Buffer.from(`user:${SECRET}`).toString("base64").slice(8, 20)];
    for (const form of forms) {
      expect(answer.text).not.toContain(form);
      expect(logged).not.toContain(form);
    }
    expect(logged).toContain("upstream said");
  });

  it("redacts the start of a secret that a dependency's envelope, cut to its limits, ends with", async () => {
    const from = lines.length;
    const answer = await post(urls.proxy!, { mode: "cut-secret" });
    expect(answer.status).toBe(500);
    const cut = answer.body.error.cause;
    expect(cut.message).toMatch(/m\[redacted\]… \[\d+ more characters cut\]$/);
    expect(cut.stack).toMatch(/s\[redacted\]… \[\d+ more characters cut\]$/);
    const logged = (await logLinesAfter(from, "cut-secret")).join("\n");
    // The first six characters of the secret, as they would appear raw and JSON-escaped.
    for (const start of [SECRET.slice(0, 6), JSON.stringify(SECRET.slice(0, 6)).slice(1, -1)]) {
      expect(answer.text).not.toContain(start);
      expect(logged).not.toContain(start);
    }
    expect(logged).toContain("cut-secret");
  });
});
