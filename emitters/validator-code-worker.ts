import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { build } from "esbuild";
import { diagnosticMessage, type DiagnosticMessage } from "../compiler/diagnostic-messages.js";
import type { ValidatorSource } from "./emit-validators.js";
import { EmitError } from "./emit-error.js";
import type { ValidatorCode } from "./validator-code.js";

/** What `validators-worker.ts` posts back: the code, or why there is none. */
export type ValidatorsWorkerReply = { ok: true; code: ValidatorCode } | { ok: false; diagnostic: DiagnosticMessage } | { ok: false; reason: string };

/** A `generateValidatorCode` run on a worker thread. */
export interface ValidatorCodeJob {
  /** The code; rejects with an `EmitError` (`CH1410`/`CH1411` from ajv, `CH1412` when the worker itself fails). */
  result: Promise<ValidatorCode>;
  /** Ends the worker (the build no longer needs the code); `result` then rejects. */
  cancel(): void;
}

/**
 * Generates the chain's validators (`generateValidatorCode`) on a worker thread, so ajv's code
 * generation runs while the main thread type-checks the chain: on two cores the slowest step of a
 * cold build leaves the critical path. The output is the same text as in-process (same code, same input
 * in the same order). A worker that fails in any way fails the build with `CH1412`, never half a result.
 */
export function validatorCodeInWorker(chainlets: readonly ValidatorSource[]): ValidatorCodeJob {
  let worker: Worker | undefined;
  let cancelled = false;
  const result = new Promise<ValidatorCode>((resolve, reject) => {
    const failed = (reason: string) => reject(new EmitError(diagnosticMessage("CH1412", "workerFailed", reason)));
    workerSource().then(
      (source) => {
        if (cancelled) return failed("cancelled");
        try {
          worker = new Worker(source.path ?? source.code!, { eval: source.path === undefined });
        } catch (error) {
          return failed((error as Error).message);
        }
        worker.once("message", (reply: ValidatorsWorkerReply) => {
          if (reply.ok) resolve(reply.code);
          else if ("diagnostic" in reply) reject(new EmitError(reply.diagnostic));
          else failed(reply.reason);
          void worker!.terminate();
        });
        worker.once("error", (error) => failed(error.message));
        worker.once("messageerror", (error) => failed(error.message));
        worker.once("exit", (code) => failed(cancelled ? "cancelled" : `it exited with code ${code} before answering`));
        // Only what the generation reads crosses the thread.
        worker.postMessage(chainlets.map(({ name, dependencies, schemas }): ValidatorSource => ({ name, dependencies, schemas })));
      },
      (error: Error) => failed(`its script could not be prepared: ${error.message}`),
    );
  });
  // Nobody may be waiting when the build stopped early: that rejection is expected, not unhandled.
  result.catch(() => {});
  return {
    result,
    cancel() {
      cancelled = true;
      void worker?.terminate();
    },
  };
}

/**
 * The worker's script: the compiled sibling file when tschains runs from lib/; from TypeScript sources
 * (tests) it is bundled once per process with esbuild into CommonJS text, run as an `eval` worker.
 */
function workerSource(): Promise<{ path?: string; code?: string }> {
  const url = new URL("./validators-worker.js", import.meta.url);
  if (!import.meta.url.endsWith(".ts")) return Promise.resolve({ path: fileURLToPath(url) });
  return (bundledFromSource ??= build({
    entryPoints: [fileURLToPath(new URL("./validators-worker.ts", import.meta.url))],
    bundle: true,
    write: false,
    platform: "node",
    format: "cjs",
    target: "node20",
    logLevel: "silent",
  }).then((output) => ({ code: output.outputFiles[0]!.text })));
}

let bundledFromSource: Promise<{ code: string }> | undefined;
