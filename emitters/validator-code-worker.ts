import { Worker } from "node:worker_threads";
import { diagnosticMessage, type DiagnosticMessage } from "../compiler/diagnostic-messages.js";
import type { ValidatorSource } from "./emit-validators.js";
import { EmitError } from "./emit-error.js";
import { siblingScript, type SiblingScript } from "./sibling-script.js";
import type { ValidatorCode } from "./validator-code.js";

/** What `validators-worker.ts` is sent: one chain's Chainlets, numbered. */
export interface ValidatorsWorkerRequest {
  id: number;
  chainlets: ValidatorSource[];
}

/** What `validators-worker.ts` posts back for a request: the code, or why there is none. */
export type ValidatorsWorkerReply = { id: number } & ({ ok: true; code: ValidatorCode } | { ok: false; diagnostic: DiagnosticMessage } | { ok: false; reason: string });

/** A `generateValidatorCode` run on the worker thread. */
export interface ValidatorCodeJob {
  /** The code; rejects with an `EmitError` (`CH1410`/`CH1411` from ajv, `CH1412` when the worker itself fails). */
  result: Promise<ValidatorCode>;
  /** Gives the job up (the build no longer needs the code): a running job ends the worker; `result` then rejects. */
  cancel(): void;
}

/**
 * Generates the chain's validators (`generateValidatorCode`) on a worker thread, so ajv's code generation
 * runs while the main thread type-checks the chain: on two cores the slowest step of a cold build leaves
 * the critical path. The output is the same text as in-process (same code, same input in the same order).
 * One worker serves the process's builds in turn and stays idle in between (it does not keep the process
 * alive), so ajv runs warm as it did on the main thread. A worker that fails in any way fails the builds
 * it was working for with `CH1412`, never with half a result, and the next build starts a new one.
 */
export function validatorCodeInWorker(chainlets: readonly ValidatorSource[]): ValidatorCodeJob {
  const id = ++lastId;
  // Only what the generation reads crosses the thread.
  const request: ValidatorsWorkerRequest = { id, chainlets: chainlets.map(({ name, dependencies, schemas }) => ({ name, dependencies, schemas })) };
  let settle!: Pick<Pending, "resolve" | "reject">;
  const result = new Promise<ValidatorCode>((resolve, reject) => (settle = { resolve, reject }));
  // Nobody may be waiting when the build stopped early: that rejection is expected, not unhandled.
  result.catch(() => {});
  pending.set(id, { ...settle, request });
  startNext();
  return {
    result,
    cancel() {
      const job = pending.get(id);
      if (!job) return;
      pending.delete(id);
      job.reject(workerFailed("the build was cancelled"));
      if (running === id) void current?.worker.terminate();
    },
  };
}

interface Pending {
  request: ValidatorsWorkerRequest;
  resolve(code: ValidatorCode): void;
  reject(error: EmitError): void;
}

let lastId = 0;
/** Jobs not finished yet, in the order they were asked for; the worker runs one at a time. */
const pending = new Map<number, Pending>();
let running: number | undefined;
let current: { worker: Worker } | undefined;

const workerFailed = (reason: string) => new EmitError(diagnosticMessage("CH1412", "workerFailed", reason));

function startNext(): void {
  if (running !== undefined) return;
  const next = pending.values().next().value;
  if (!next) {
    current?.worker.unref();
    return;
  }
  running = next.request.id;
  workerReady().then(
    (worker) => {
      worker.ref();
      worker.postMessage(next.request);
    },
    (error: Error) => finish(next.request.id, { id: next.request.id, ok: false, reason: error.message }),
  );
}

function finish(id: number, reply: ValidatorsWorkerReply): void {
  const job = pending.get(id);
  pending.delete(id);
  if (running === id) running = undefined;
  if (job) {
    if (reply.ok) job.resolve(reply.code);
    else job.reject("diagnostic" in reply ? new EmitError(reply.diagnostic) : workerFailed(reply.reason));
  }
  startNext();
}

/** The process's worker, started on first need and again after one failed. */
async function workerReady(): Promise<Worker> {
  if (current) return current.worker;
  const source = await workerSource();
  // Another job's call may have started it meanwhile.
  const started = current as { worker: Worker } | undefined;
  if (started) return started.worker;
  const worker = source.path !== undefined ? new Worker(source.path) : new Worker(source.code, { eval: true });
  const kept = { worker };
  current = kept;
  const failed = (reason: string) => {
    if (current !== kept) return;
    current = undefined;
    if (running !== undefined) finish(running, { id: running, ok: false, reason });
  };
  worker.on("message", (reply: ValidatorsWorkerReply) => finish(reply.id, reply));
  worker.once("error", (error) => failed(error.message));
  worker.once("messageerror", (error) => failed(error.message));
  worker.once("exit", (code) => failed(`it exited with code ${code} before answering`));
  return worker;
}

/** The worker's script, bundled once per process when tschains runs from its TypeScript sources. */
function workerSource(): Promise<SiblingScript> {
  return (script ??= siblingScript(import.meta.url, "validators-worker", "cjs"));
}

let script: Promise<SiblingScript> | undefined;
