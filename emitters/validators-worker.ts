import { parentPort } from "node:worker_threads";
import type { ValidatorSource } from "./emit-validators.js";
import { EmitError } from "./emit-error.js";
import { generateValidatorCode } from "./validator-code.js";
import type { ValidatorsWorkerReply } from "./validator-code-worker.js";

// The worker thread of `validator-code-worker.ts`: one chain's validators, then it ends.
parentPort!.once("message", (chainlets: ValidatorSource[]) => {
  let reply: ValidatorsWorkerReply;
  try {
    reply = { ok: true, code: generateValidatorCode(chainlets) };
  } catch (error) {
    reply = error instanceof EmitError ? { ok: false, diagnostic: error.diagnostic } : { ok: false, reason: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  parentPort!.postMessage(reply);
});
