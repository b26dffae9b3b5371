import type { ChainletDependencyMeta, TolerantReader, ValidateFunction } from "../server/chainlet-meta.js";
import { ChainsError } from "../errors/errors.js";
import { runtimeMessage } from "../protocol/runtime-errors.js";
import type { Endpoint } from "./transport.js";
import { checkOutput, formatIssues } from "../wire/validation.js";
import { argumentsBody } from "../wire/arguments-body.js";

/** A dependency answered a value that does not match its declared output schema. */
export class DependencyOutputError extends ChainsError {
  override name = "DependencyOutputError";
  constructor(
    readonly dependency: string,
    issues: string,
  ) {
    super("CH2126", runtimeMessage("CH2126", { dependency, issues }));
  }
}

/** How a stub reads its dependency's answers: the strict validator and the tolerant wire's reader. */
export interface AnswerReader {
  validate?: ValidateFunction;
  tolerant?: TolerantReader;
  /** Told how many unknown properties an answer had dropped (a metric). */
  onDropped?: (count: number) => void;
}

/** Revives (and checks) one answer or stream item of `dependency`, dropping properties its schema does not know. */
export function reviveAnswer(dependency: string, reader: AnswerReader, value: unknown): unknown {
  if (!reader.validate) return value;
  const checked = checkOutput(reader.validate, value, reader.tolerant);
  if (!checked.ok) throw new DependencyOutputError(dependency, formatIssues(checked.issues));
  if (checked.dropped.length > 0) reader.onDropped?.(checked.dropped.length);
  return checked.value;
}

async function* revivedStream(endpoint: Endpoint, body: unknown, reader: AnswerReader): AsyncGenerator<unknown, void, undefined> {
  for await (const item of endpoint.stream(body)) yield reviveAnswer(endpoint.name, reader, item);
}

/**
 * What `depends(X)` returns in a served Chainlet: `runRemote(...args)` posts the arguments to X and
 * returns its revived answer, or a typed `AsyncIterable` of its items when X streams.
 */
export function dependencyStub(endpoint: Endpoint, meta: ChainletDependencyMeta, reader: AnswerReader) {
  // One function for all calls, applied by the call itself (no `.then` promise and closure per call).
  const revive = reader.validate ? (value: unknown) => reviveAnswer(endpoint.name, reader, value) : undefined;
  return {
    runRemote(...args: unknown[]): Promise<unknown> | AsyncIterable<unknown> {
      const body = argumentsBody(meta.parameters, args);
      if (meta.streaming) return revivedStream(endpoint, body, reader);
      return endpoint.call(body, revive);
    },
  };
}
