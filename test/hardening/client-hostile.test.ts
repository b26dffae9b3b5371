// The generated client package against a misbehaving service: it is a careful client.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Packr } from "msgpackr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChainIR } from "../../compiler/chain-ir.js";
import { emitClients } from "../../emitters/emit-client.js";
import { ENVELOPE_LIMITS } from "../../runtime-node/protocol/error-envelope.js";
import { startHostileDependency, type HostileDependency } from "./runtime/hostile-dependency.js";

const MiB = 1024 * 1024;
const S = "https://json-schema.org/draft/2020-12/schema";
const chainlet = (name: string, className: string, streaming: boolean, output: object) => ({
  name,
  className,
  runRemote: { parameters: [{ name: "mode", optional: false }], streaming },
  schemas: { input: { $schema: S, type: "object", properties: { mode: { type: "string" } }, required: ["mode"] }, output },
});
const ir = {
  name: "hostile",
  displayName: "Hostile",
  chainlets: [
    chainlet("count", "Count", false, { $schema: S, type: "number" }),
    chainlet("ticks", "Ticks", true, { $schema: S, type: "string" }),
    chainlet("when", "When", false, { $schema: S, type: "string", format: "date-time", "x-tschains-type": "Date" }),
  ],
} as unknown as ChainIR;

type Client = { runRemote(mode: string): any; withOptions(options: object): Client };
type ClientClass = new (options: object) => Client;
let pkg: Record<string, ClientClass>;
let dependency: HostileDependency;
let elsewhere: Server;
let elsewhereUrl: string;
const seenElsewhere: Array<string | undefined> = [];

/** The `ChainsError` or `RemoteError` a call rejects with. */
async function failure(call: Promise<unknown> | AsyncIterable<unknown>): Promise<any> {
  try {
    if (Symbol.asyncIterator in call) for await (const _ of call) void _;
    else await call;
  } catch (error) {
    return error;
  }
  throw new Error("the call succeeded");
}

beforeAll(async () => {
  const clients = await emitClients(ir, ir.chainlets);
  const modules = await Promise.all(ir.chainlets.map((c) => import(`data:text/javascript,${encodeURIComponent(clients.get(c.name)!.find((f) => f.path === "index.js")!.contents)}`)));
  pkg = Object.assign({}, ...modules);
  dependency = await startHostileDependency();
  elsewhere = createServer((req, res) => {
    seenElsewhere.push(req.headers.authorization);
    req.resume();
    res.end("1");
  });
  await new Promise<void>((resolve) => elsewhere.listen(0, "127.0.0.1", resolve));
  elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await dependency.close();
  await new Promise((resolve) => elsewhere.close(resolve));
});

const count = (mode: string, options: object = {}) => new pkg.CountClient!({ baseUrl: `${dependency.url}/${mode}`, retries: 0, ...options });

describe("the generated client", () => {
  it("stops reading an answer past maxAnswerBytes, announced or not", async () => {
    for (const mode of ["huge", "huge-declared"]) {
      const watched = dependency.watch(`/${mode}`);
      const error = await failure(count(mode, { maxAnswerBytes: MiB }).runRemote(mode));
      expect([error.name, error.code]).toEqual(["ChainsError", "CH2128"]);
      expect(error.message).toContain(`larger than ${MiB} bytes (maxAnswerBytes)`);
      await watched.closed;
    }
  });

  it("cuts error envelopes to their limits and quotes only an escaped fragment of other error bodies", async () => {
    const deep = await failure(count("deep-error").runRemote("x"));
    expect(deep.name).toBe("RemoteError");
    let depth = 0;
    for (let e = deep.envelope.error; e.cause; e = e.cause) depth++;
    expect(depth).toBeLessThan(ENVELOPE_LIMITS.causeDepth);
    expect(deep.envelope.error.message.length).toBeLessThan(ENVELOPE_LIMITS.messageChars + 100);
    expect(deep.envelope.error.stack.length).toBeLessThan(ENVELOPE_LIMITS.stackChars + 100);

    const huge = await failure(count("huge-error").runRemote("x"));
    expect(huge.envelope.error.message.length).toBeLessThan(ENVELOPE_LIMITS.fragmentChars * 2 + 10);
    const text = await failure(count("huge-error-text").runRemote("x"));
    expect(text.envelope.error.message).toMatch(/^<html>\\n\\u001b\[31mbad gateway/);
  });

  it("ends a stream at maxFrameBytes: an endless ndjson line, a MessagePack frame announcing 4 GiB", async () => {
    const ticks = (mode: string, options: object = {}) => new pkg.TicksClient!({ baseUrl: `${dependency.url}/${mode}`, retries: 0, maxFrameBytes: MiB, ...options }).runRemote(mode);
    const watched = dependency.watch("/endless-line");
    const line = await failure(ticks("endless-line"));
    expect([line.code, line.message]).toEqual(["CH2128", expect.stringContaining(`stream frame larger than ${MiB} bytes (maxFrameBytes)`)]);
    await watched.closed;
    const frame = await failure(ticks("msgpack-huge-frame", { msgpack: new Packr({ moreTypes: true, useRecords: false }) }));
    expect(frame.code).toBe("CH2128");
  });

  it("refuses a redirect and never sends its token to the other origin", async () => {
    const error = await failure(count("redirect", { token: "secret-token", headers: { "x-redirect-to": elsewhereUrl } }).runRemote("x"));
    expect(error.code).toBe("CH2131");
    expect(error.message).toContain(`307 to "${elsewhereUrl}/v1/run_remote"`);
    expect(seenElsewhere).toEqual([]);
  });

  it("checks answers against the output type, and revives the ones that match", async () => {
    const error = await failure(count("wrong-type").runRemote("x"));
    expect([error.code, error.message]).toEqual(["CH2126", expect.stringContaining("/: must be number")]);
    const when = await new pkg.WhenClient!({ baseUrl: `${dependency.url}/date` }).runRemote("x");
    expect(when).toEqual(new Date("2024-02-03T04:05:06Z"));
    const notADate = await failure(new pkg.WhenClient!({ baseUrl: `${dependency.url}/wrong-type` }).runRemote("x"));
    expect([notADate.code, notADate.message]).toEqual(["CH2126", expect.stringContaining("must be a Date (or its JSON wire form)")]);
  });

  it("honours an AbortSignal given in the options or for one call, and stops the reading", async () => {
    for (const perCall of [false, true]) {
      const watched = dependency.watch("/silent");
      const controller = new AbortController();
      const client = perCall ? count("silent").withOptions({ signal: controller.signal }) : count("silent", { signal: controller.signal });
      const pending = failure(client.runRemote("x"));
      await watched.arrived;
      controller.abort(new Error("caller gave up"));
      expect((await pending).message).toBe("caller gave up");
      await watched.closed;
    }
    const ticking = dependency.watch("/slow-stream");
    const controller = new AbortController();
    const items: unknown[] = [];
    const stopped = await failure(
      (async function* () {
        for await (const item of new pkg.TicksClient!({ baseUrl: `${dependency.url}/slow-stream`, signal: controller.signal }).runRemote("x")) {
          items.push(item);
          if (items.length === 3) controller.abort(new Error("enough"));
          yield item;
        }
      })(),
    );
    expect(stopped.message).toBe("enough");
    expect(items).toEqual(["tick", "tick", "tick"]);
    await ticking.closed;
  });
});
