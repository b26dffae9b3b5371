import { parentPort } from "node:worker_threads";
import { EmitError } from "./emit-error.js";
import { generateValidatorCode } from "./validator-code.js";
import type { ValidatorsWorkerReply, ValidatorsWorkerRequest } from "./validator-code-worker.js";

// The worker thread of `validator-code-worker.ts`: one chain's validators per request, in turn.
parentPort!.on("message", ({ id, chainlets }: ValidatorsWorkerRequest) => {
  let reply: ValidatorsWorkerReply;
  try {
    reply = { id, ok: true, code: generateValidatorCode(chainlets) };
  } catch (error) {
    reply = error instanceof EmitError ? { id, ok: false, diagnostic: error.diagnostic } : { id, ok: false, reason: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  parentPort!.postMessage(reply);
});
