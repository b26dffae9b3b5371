import type { ChainletDependencyMeta, ValidateFunction } from "../server/chainlet-meta.js";
import { ChainsError } from "../errors/errors.js";
import { runtimeMessage } from "../protocol/runtime-errors.js";
import type { Endpoint } from "./transport.js";
import { checkOutput, formatIssues } from "../wire/validation.js";

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

/** Revives (and checks) one answer or stream item of `dependency` with its output validator. */
export function reviveAnswer(dependency: string, validate: ValidateFunction | undefined, value: unknown): unknown {
  if (!validate) return value;
  const checked = checkOutput(validate, value);
  if (!checked.ok) throw new DependencyOutputError(dependency, formatIssues(checked.issues));
  return checked.value;
}

/** The body of a call: arguments keyed by parameter name, `undefined` ones left out. */
export function argumentsBody(parameters: readonly string[], args: readonly unknown[]): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  parameters.forEach((name, index) => {
    if (args[index] !== undefined) body[name] = args[index];
  });
  return body;
}

async function* revivedStream(endpoint: Endpoint, body: unknown, validate: ValidateFunction | undefined): AsyncGenerator<unknown, void, undefined> {
  for await (const item of endpoint.stream(body)) yield reviveAnswer(endpoint.name, validate, item);
}

/**
 * What `depends(X)` returns in a served Chainlet: `runRemote(...args)` posts the arguments to X and
 * returns its revived answer, or a typed `AsyncIterable` of its items when X streams.
 */
export function dependencyStub(endpoint: Endpoint, meta: ChainletDependencyMeta, validate: ValidateFunction | undefined) {
  return {
    runRemote(...args: unknown[]): Promise<unknown> | AsyncIterable<unknown> {
      const body = argumentsBody(meta.parameters, args);
      if (meta.streaming) return revivedStream(endpoint, body, validate);
      return endpoint.call(body).then((value) => reviveAnswer(endpoint.name, validate, value));
    },
  };
}
