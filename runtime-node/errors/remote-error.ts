import { ChainsError } from "./errors.js";
import type { ErrorEnvelope } from "../protocol/error-envelope.js";
import { runtimeMessage } from "../protocol/runtime-errors.js";

function describeChain(envelope: ErrorEnvelope): string {
  const hops: string[] = [];
  let current: ErrorEnvelope | null = envelope;
  for (let depth = 0; current && depth < 64; depth++, current = current.cause) {
    const frames = current.stack.split("\n").slice(1, 3).map((f) => `      ${f.trim()}`);
    hops.push([`  ${depth === 0 ? "in" : "caused by"} ${current.chainlet}: ${current.type}: ${current.message}`, ...frames].join("\n"));
  }
  return hops.join("\n");
}

/**
 * A dependency answered with an error. `envelope` is its error envelope (with `cause` nesting the
 * errors further down); the message shows every hop: Chainlet, error type, message, first user frames.
 */
export class RemoteError extends ChainsError {
  override name = "RemoteError";
  constructor(
    /** The dependency (Chainlet name or StubBase URL) that answered. */
    readonly dependency: string,
    /** HTTP status of its answer. */
    readonly status: number,
    readonly envelope: ErrorEnvelope,
  ) {
    super("CH2122", runtimeMessage("CH2122", { dependency, status, hops: describeChain(envelope) }));
  }
}
