/**
 * The last phase of a `runRemote` request: the answer. A value is checked against the output schema
 * and written whole; an async iterable is streamed as frames, each item checked, and a failure after
 * the first frame ends the stream with an error frame (the status line is long gone).
 */
import type { ServerResponse } from "node:http";
import type { ChainletResponse } from "./chainlet-response.js";
import { contentTypeOf, envelopeOf } from "./answers.js";
import { runtimeError } from "../errors/errors.js";
import { statusOf } from "../errors/error-envelope.js";
import { MSGPACK_SEQ_TYPE, NDJSON_TYPE } from "../protocol/http.js";
import type { ServerContext } from "./server-context.js";
import { checkOutput, formatIssues } from "../wire/validation.js";
import { encodeChunks, encodeFrame, toJsonText, type WireFormat } from "../wire/wire-codec.js";

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  typeof value === "object" && value !== null && Symbol.asyncIterator in value;

/** Answers what `runRemote` returned: streamed when it streams, else the awaited value. */
export async function respond(ctx: ServerContext, res: ChainletResponse, format: WireFormat, result: unknown): Promise<void> {
  const { meta } = ctx.spec;
  if (meta.runRemote.streaming || isAsyncIterable(result)) {
    if (!isAsyncIterable(result)) throw new TypeError(`${meta.name}.runRemote must return an AsyncIterable (it streams)`);
    return streamResponse(ctx, res, format, result);
  }
  respondValue(ctx, res, format, await result);
}

/** The output value, or a 500 naming what does not match the declared type. */
function checkedItem(ctx: ServerContext, value: unknown, streamed: boolean): unknown {
  const checked = checkOutput(ctx.spec.validators.output, value);
  if (!checked.ok) throw runtimeError("CH2102", { chainlet: ctx.spec.meta.name, issues: formatIssues(checked.issues), streamed });
  return checked.value;
}

function respondValue(ctx: ServerContext, res: ChainletResponse, format: WireFormat, value: unknown): void {
  const checked = checkedItem(ctx, value, false);
  const connection = ctx.state.shuttingDown ? { connection: "close" } : {};
  if (format === "json") {
    // The text itself: Node writes the status line, headers and a string body as one string (one
    // write, no copy of the body into a buffer of its own and no two-chunk `writev` for the socket).
    const text = toJsonText(checked);
    res.head(200, { "content-type": contentTypeOf(format), "content-length": Buffer.byteLength(text), ...connection });
    res.end(text);
    return;
  }
  const chunks = encodeChunks(format, checked);
  const length = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  res.head(200, { "content-type": contentTypeOf(format), "content-length": length, ...connection });
  // Large typed arrays are chunks of their own, written from the array's memory without a copy.
  for (let i = 0; i < chunks.length - 1; i++) res.write(chunks[i]);
  res.end(chunks[chunks.length - 1]);
}

/** Resolves when `res` can take more data or the client went away. */
export function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

async function streamResponse(ctx: ServerContext, res: ChainletResponse, format: WireFormat, items: AsyncIterable<unknown>): Promise<void> {
  const iterator = items[Symbol.asyncIterator]();
  const client = { gone: false };
  const onClose = () => {
    if (res.writableFinished) return;
    client.gone = true;
    // Ends the producer (its `finally` runs), and through a dependency stub, the producers downstream.
    void iterator.return?.().catch(() => undefined);
  };
  res.on("close", onClose);
  res.head(200, { "content-type": format === "msgpack" ? MSGPACK_SEQ_TYPE : NDJSON_TYPE, "cache-control": "no-store" });
  res.flushHeaders();
  try {
    await writeFrames(ctx, res, format, iterator, client);
  } catch (error) {
    if (!client.gone) endWithErrorFrame(ctx, res, format, error);
  } finally {
    res.off("close", onClose);
  }
}

async function writeFrames(ctx: ServerContext, res: ServerResponse, format: WireFormat, iterator: AsyncIterator<unknown>, client: { gone: boolean }): Promise<void> {
  for (;;) {
    const next = await iterator.next();
    if (next.done || client.gone) break;
    if (!res.write(encodeFrame(format, checkedItem(ctx, next.value, true)))) await drainedOrClosed(res);
    if (client.gone) break;
  }
  if (!client.gone) res.end();
}

function endWithErrorFrame(ctx: ServerContext, res: ChainletResponse, format: WireFormat, error: unknown): void {
  const status = statusOf(error);
  const envelope = envelopeOf(ctx, error);
  ctx.spans.get(res)?.failed(envelope, status);
  ctx.logger.error({ requestId: res.requestId, status, err: envelope }, `stream failed mid-way: ${envelope.message}`);
  res.end(encodeFrame(format, { error: ctx.forCaller(envelope, res), status }));
}
