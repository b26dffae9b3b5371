import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import * as msgpackr from "msgpackr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChainIR } from "../../compiler/chain-ir.js";
import { emitClients } from "../../emitters/emit-client.js";
import { defineClient } from "../../runtime-node/client/index.js";
import { MSGPACK_TYPE, RUN_REMOTE_PATH } from "../../runtime-node/protocol/http.js";

const packr = new msgpackr.Packr({ moreTypes: true, useRecords: false });

/** What the stand-in service received for one request. */
interface Received {
  contentLength: string | undefined;
  transferEncoding: string | undefined;
  body: Buffer;
}

/** Answers one request; given what it received. */
type Script = (received: Received, response: ServerResponse) => void;

let script: Script[] = [];
const received: Received[] = [];
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = createServer((request: IncomingMessage, response) => {
    const parts: Buffer[] = [];
    request.on("data", (chunk: Buffer) => parts.push(chunk));
    request.on("end", () => {
      const got = { contentLength: request.headers["content-length"], transferEncoding: request.headers["transfer-encoding"], body: Buffer.concat(parts) };
      received.push(got);
      if (request.url !== RUN_REMOTE_PATH) return response.writeHead(404).end();
      (script.shift() ?? ((_, res) => res.writeHead(500).end()))(got, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const echo: Script = (got, response) => response.writeHead(200, { "content-type": MSGPACK_TYPE, "content-length": got.body.length }).end(got.body);

function client(options: Record<string, unknown> = {}) {
  const Client = defineClient({ className: "EchoClient", chainlet: "echo", parameters: ["samples", "bytes"], streaming: false, output: {} });
  return new Client({ baseUrl, retries: 0, msgpack: msgpackr, ...options });
}

const sameBytes = (a: ArrayBufferView, b: ArrayBufferView) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

function largeArrays() {
  const samples = new Float32Array(1_000_000).map((_, i) => Math.sin(i / 7));
  samples.set([Number.NaN, -0, Number.NEGATIVE_INFINITY], 0);
  const bytes = new Uint8Array(300_000).map((_, i) => i % 251);
  return { samples, bytes };
}

async function failure(call: Promise<unknown> | AsyncIterable<unknown>): Promise<Error & { code?: string }> {
  const promise = call as Promise<unknown>; // a non-streaming client answers with a Promise
  return promise.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (error: Error) => error,
  );
}

describe("the generated client in binary mode, given msgpackr itself", () => {
  it("sends large typed arrays whole, with their length, and returns equal arrays viewed in one buffer", async () => {
    script = [echo];
    received.length = 0;
    const { samples, bytes } = largeArrays();
    const answer = (await client().runRemote(samples, bytes)) as { samples: Float32Array; bytes: Uint8Array };
    // The service got one MessagePack body of the length announced, which any msgpackr reads back.
    expect(received[0]!.contentLength).toBe(String(received[0]!.body.length));
    const sent = packr.unpack(received[0]!.body) as { samples: Float32Array; bytes: Uint8Array };
    expect(sameBytes(sent.samples, samples) && sameBytes(sent.bytes, bytes)).toBe(true);
    expect(answer.samples).toBeInstanceOf(Float32Array);
    expect(answer.bytes).toBeInstanceOf(Uint8Array);
    expect(sameBytes(answer.samples, samples)).toBe(true);
    expect(sameBytes(answer.bytes, bytes)).toBe(true);
    // Views of the answer as read, not copies: both arrays share the one buffer of the whole answer.
    // (Compared as booleans: a failing comparison of 4 MB arrays would be printed whole.)
    expect(answer.samples.buffer === answer.bytes.buffer).toBe(true);
    expect(answer.samples.buffer.byteLength >= received[0]!.body.length).toBe(true);
  });

  it("sends the whole body again on a retry", async () => {
    script = [(_, response) => response.writeHead(503, { "content-type": "application/json" }).end("{}"), echo];
    received.length = 0;
    const { samples, bytes } = largeArrays();
    const answer = (await client({ retries: 1 }).runRemote(samples, bytes)) as { samples: Float32Array };
    expect(received).toHaveLength(2);
    expect(received[1]!.body.equals(received[0]!.body)).toBe(true);
    expect(sameBytes(answer.samples, samples)).toBe(true);
  });

  it("returns equal arrays with a codec of the caller's too, and through a fetch of its own (body sent joined)", async () => {
    script = [echo];
    received.length = 0;
    const { samples, bytes } = largeArrays();
    const calls: unknown[] = [];
    const fetch = (input: string, init: RequestInit) => {
      calls.push(init.body);
      return globalThis.fetch(input, init);
    };
    const answer = (await client({ msgpack: packr, fetch }).runRemote(samples, bytes)) as { samples: Float32Array; bytes: Uint8Array };
    expect(calls[0]).toBeInstanceOf(Uint8Array);
    expect(received[0]!.contentLength).toBe(String(received[0]!.body.length));
    expect(sameBytes(answer.samples, samples) && sameBytes(answer.bytes, bytes)).toBe(true);
  });
});

describe("the generated client in binary mode, given a hostile answer", () => {
  const packedAnswer = () => Buffer.from(packr.pack(largeArrays()));

  it("names an answer that broke off before its Content-Length (CH2121)", async () => {
    script = [
      (_, response) => {
        const body = packedAnswer();
        response.writeHead(200, { "content-type": MSGPACK_TYPE, "content-length": body.length });
        response.write(body.subarray(0, 100_000), () => response.socket?.destroy());
      },
    ];
    const error = await failure(client().runRemote(new Float32Array(4), new Uint8Array(2)));
    expect(error.code).toBe("CH2121");
    expect(error.message).toMatch(/"echo" \(the answer broke off after \d+ of \d+ bytes/);
  });

  it("names a MessagePack answer that ends inside a value (CH2125)", async () => {
    script = [(_, response) => response.writeHead(200, { "content-type": MSGPACK_TYPE }).end(packedAnswer().subarray(0, 100_000))];
    const error = await failure(client().runRemote(new Float32Array(4), new Uint8Array(2)));
    expect(error.code).toBe("CH2125");
    expect(error.message).toContain(`"echo" answered a body that is not ${MSGPACK_TYPE}`);
  });

  it("refuses an answer announcing more than maxAnswerBytes without reading it (CH2128)", async () => {
    script = [(_, response) => response.writeHead(200, { "content-type": MSGPACK_TYPE, "content-length": 10_000_000 }).end(Buffer.alloc(10_000_000))];
    const error = await failure(client({ maxAnswerBytes: 1_000_000 }).runRemote(new Float32Array(4), new Uint8Array(2)));
    expect(error.code).toBe("CH2128");
    expect(error.message).toContain("larger than 1000000 bytes (maxAnswerBytes)");
  });

  it("stops reading a chunked answer once it passes maxAnswerBytes (CH2128)", async () => {
    script = [
      (_, response) => {
        response.writeHead(200, { "content-type": MSGPACK_TYPE });
        for (let i = 0; i < 40; i++) response.write(Buffer.alloc(65_536));
        response.end();
      },
    ];
    const error = await failure(client({ maxAnswerBytes: 1_000_000 }).runRemote(new Float32Array(4), new Uint8Array(2)));
    expect(error.code).toBe("CH2128");
  });

  it("names an answer of another content type (CH2125)", async () => {
    script = [(_, response) => response.writeHead(200, { "content-type": "text/html" }).end("<html>a proxy's page</html>")];
    const error = await failure(client().runRemote(new Float32Array(4), new Uint8Array(2)));
    expect(error.code).toBe("CH2125");
    expect(error.message).toContain('"echo" answered a body that is not text/html');
  });
});

describe("the generated client package in binary mode where there is no Buffer or process (as in a browser)", () => {
  const ir = {
    name: "demo",
    displayName: "Demo",
    chainlets: [
      {
        name: "echo",
        className: "Echo",
        runRemote: { parameters: [{ name: "samples", optional: false }], streaming: false },
        schemas: { input: { type: "object", properties: { samples: {} } }, output: {} },
      },
    ],
  } as unknown as ChainIR;

  it("joins the body it sends and reads the answer's large typed array as a view", async () => {
    script = [echo];
    received.length = 0;
    const dir = mkdtempSync(join(tmpdir(), "tschains-client-"));
    try {
      const indexJs = (await emitClients(ir, ir.chainlets)).get("echo")!.find((file) => file.path === "index.js")!.contents;
      // The package sees a globalThis without Buffer and process (Node's own fetch still needs both, so they stay).
      const hidden = `const globalThis = new Proxy(global, { get: (target, name) => (name === "Buffer" || name === "process" ? undefined : Reflect.get(target, name)) });\n`;
      writeFileSync(join(dir, "index.js"), hidden + indexJs);
      expect(indexJs).not.toMatch(/(?<![.\w])(Buffer|process)\./);
      // msgpackr's browser build, as a bundler picks it for a page.
      const browserMsgpackr = new URL("index.js", import.meta.resolve("msgpackr")).href;
      writeFileSync(
        join(dir, "call.mjs"),
        `const msgpackr = await import(${JSON.stringify(browserMsgpackr)});
const { EchoClient } = await import("./index.js");
const samples = new Float32Array(500000).map((_, i) => i / 3);
const answer = await new EchoClient({ baseUrl: ${JSON.stringify(baseUrl)}, msgpack: msgpackr, retries: 0 }).runRemote(samples);
const same = answer.samples.length === samples.length && answer.samples.every((value, i) => value === samples[i]);
console.log(JSON.stringify({ same, type: answer.samples.constructor.name, view: answer.samples.buffer.byteLength > samples.byteLength }));
`,
      );
      const { stdout } = await promisify(execFile)(process.execPath, [join(dir, "call.mjs")]);
      expect(JSON.parse(stdout)).toEqual({ same: true, type: "Float32Array", view: true });
      // Joined once (no stream without Node's fetch detected), with its length.
      expect(received[0]!.contentLength).toBe(String(received[0]!.body.length));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
