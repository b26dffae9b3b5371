import type { IncomingMessage } from "node:http";
import type { ChainletResponse } from "./chainlet-response.js";
import { sendAndLog, sendError } from "./answers.js";
import { admit, authenticate, checkReady, decodeBody, invoke, negotiate, validateInput } from "./request-phases.js";
import { respond } from "./respond.js";
import type { ServerContext, ServerState } from "./server-context.js";
import type { WireFormat } from "../wire/wire-codec.js";

type Instance = NonNullable<ServerState["instance"]>;

/**
 * `POST /v1/run_remote`: the phases in order. A refusal before the body is read drains the body and
 * answers without a log line (the access log has it); one after is logged as refused; a failure of
 * the call itself is answered in the request's format and logged as a failed call.
 */
export function runRemoteRoute(ctx: ServerContext, req: IncomingMessage, res: ChainletResponse): Promise<void> {
  let format: WireFormat;
  let instance: Instance;
  try {
    authenticate(ctx, req);
    instance = checkReady(ctx.state);
    format = negotiate(req);
  } catch (error) {
    req.resume();
    sendError(ctx, res, error);
    return Promise.resolve();
  }
  return serveCall(ctx, req, res, format, instance).catch((error: unknown) => sendAndLog(ctx, res, error, "request refused"));
}

async function serveCall(ctx: ServerContext, req: IncomingMessage, res: ChainletResponse, format: WireFormat, instance: Instance): Promise<void> {
  const args = validateInput(ctx, await decodeBody(ctx, req, format), req);
  // A free slot without a promise (three, through the async \`admit\`); queued or shed otherwise.
  const release = ctx.gate.takeFree() ?? (await admit(ctx));
  try {
    await respond(ctx, res, format, invoke(instance, args));
  } catch (error) {
    sendAndLog(ctx, res, error, "runRemote failed", format);
  } finally {
    release();
  }
}
