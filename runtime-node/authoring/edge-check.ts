/**
 * `runLocal`'s check of the values that cross a `depends()` edge, so a test fails where the served hop
 * would: always the wire itself (what JSON or MessagePack cannot carry), and, given the build's
 * precompiled validators, the schemas too. Failures are the errors a served hop gives the caller: a
 * `RemoteError` carrying the callee's `CH2101` (400, bad arguments) or `CH2102` (500, bad answer).
 */
import { toEnvelope } from "../errors/error-envelope.js";
import { runtimeError } from "../errors/errors.js";
import { RemoteError } from "../errors/remote-error.js";
import type { RuntimeErrorCode, RuntimeErrorParams } from "../protocol/runtime-errors.js";
import type { ChainletValidators } from "../server/chainlet-meta.js";
import { argumentsBody } from "../wire/arguments-body.js";
import { checkOutput, checkValue, formatIssues, type ValidationIssue } from "../wire/validation.js";
import { wireCopy } from "../wire/wire-safety.js";

/** What `runLocal` knows of one Chainlet from its build: `runRemote`'s parameter names and its validators. */
export interface LocalChainletSchemas {
  parameters: readonly string[];
  validators: ChainletValidators;
}

/** The build's validators of a chain, by Chainlet name (kebab-case), as `chainValidators()` loads them. */
export type ChainSchemas = Readonly<Record<string, LocalChainletSchemas>>;

/** The values of one edge as the callee receives them and as the caller gets them back. */
export interface EdgeCheck {
  /** The arguments as the callee gets them: copied (the wire copies), checked, revived. */
  arguments(args: readonly unknown[]): unknown[];
  /** The answer (or one stream item) as the caller gets it: copied and checked. */
  answer(value: unknown, streamed: boolean): unknown;
}

/**
 * The check of the edge to `dependency`: `binary` is its `depends` option (MessagePack keeps NaN and
 * the infinities); `schemas`, when the build's validators were given, adds the schema checks.
 */
export function edgeCheck(dependency: string, binary: boolean, schemas: LocalChainletSchemas | undefined): EdgeCheck {
  const fail = <C extends RuntimeErrorCode>(code: C, params: RuntimeErrorParams<C>): RemoteError => {
    const error = runtimeError(code, params);
    return new RemoteError(dependency, code === "CH2101" ? 400 : 500, toEnvelope(error, dependency, (text) => text));
  };
  const badAnswer = (issues: ValidationIssue[], streamed: boolean) => fail("CH2102", { chainlet: dependency, issues: formatIssues(issues), streamed });
  return {
    arguments(args) {
      // Without the build, parameters are known by position only: `/0/...` is the first argument.
      const parameters = schemas?.parameters ?? args.map((_, index) => String(index));
      const copied = wireCopy(argumentsBody(parameters, args), binary);
      if (!copied.ok) throw fail("CH2101", { issues: formatIssues(copied.issues) });
      const received = copied.value as Record<string, unknown>;
      if (schemas) {
        const { validators } = schemas;
        // The caller is a Chainlet: read tolerantly, as a served Chainlet reads another's request.
        const checked = checkValue(validators.input, received, { parameters, tolerant: () => validators.tolerantInput });
        if (!checked.ok) throw fail("CH2101", { issues: formatIssues(checked.issues) });
      }
      return parameters.map((name) => (Object.hasOwn(received, name) ? received[name] : undefined));
    },
    answer(value, streamed) {
      const copied = wireCopy(value, binary);
      if (!copied.ok) throw badAnswer(copied.issues, streamed);
      if (!schemas) return copied.value;
      const checked = checkOutput(schemas.validators.output, copied.value);
      if (!checked.ok) throw badAnswer(checked.issues, streamed);
      return checked.value;
    },
  };
}
