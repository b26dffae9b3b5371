import type { ErrorObject } from "ajv";
import type { ChainletClass } from "../authoring/authoring.js";
import type { DependsOptions } from "../authoring/remote-config.js";

/**
 * A compiled validator: an ajv function (usually ajv standalone code generated at build time) for a
 * schema passed through `toValidationSchema`. It may replace wire forms by native values in place.
 */
export type ValidateFunction = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

/**
 * What a served Chainlet knows about itself, emitted from the chain IR into its bundle.
 * Structurally a subset of the compiler's `ChainletIR`, plus the chain name.
 */
export interface ChainletMeta {
  /** Kebab-case Chainlet name. */
  name: string;
  /** Kebab-case chain name. */
  chain: string;
  isEntrypoint: boolean;
  runRemote: {
    /** Parameters in declaration order: the body's keys become positional arguments in this order. */
    parameters: { name: string; optional: boolean }[];
    streaming: boolean;
  };
  /** The constructor's injected parameters, in order (informational; injection is by call order). */
  injections: (
    | { kind: "depends"; parameter: string; chainlet: string; options: Required<DependsOptions> }
    | { kind: "context"; parameter: string }
  )[];
  config: {
    compute: { concurrency: number };
    assets: { secretKeys: string[] };
  };
  hasIsHealthy: boolean;
  /** Every Chainlet this one calls, by name: how to call its `runRemote`. */
  dependencies: Record<string, ChainletDependencyMeta>;
}

export interface ChainletDependencyMeta {
  /** Parameter names of the dependency's `runRemote`, in order. */
  parameters: string[];
  streaming: boolean;
}

/**
 * The tolerant wire's reader of one schema (see "Compatibility across versions" in the README): a
 * validator compiled from the schema with every object open, and the schema itself, which says what
 * to drop once that validator passes. Both describe the same value the strict validator checks.
 */
export interface TolerantReader {
  validate: ValidateFunction;
  schema: Record<string, unknown>;
}

/** The compiled validators a served Chainlet needs. Output validators validate `{ value: <output> }`. */
export interface ChainletValidators {
  input: ValidateFunction;
  output: ValidateFunction;
  /** Reads requests from other Chainlets (the internal token): unknown properties dropped. Absent: strict. */
  tolerantInput?: TolerantReader;
  /** `tolerantOutput` reads the dependency's answers; absent, they are read strictly. */
  dependencies: Record<string, { output: ValidateFunction; tolerantOutput?: TolerantReader }>;
}

/** What a built `server.mjs` hands to `startChainletServer`. */
export interface ChainletServerSpec {
  chainlet: ChainletClass<any>;
  meta: ChainletMeta;
  validators: ChainletValidators;
  /** Environment to read; defaults to `process.env`. Tests pass their own. */
  env?: Record<string, string | undefined>;
  /** Where JSON log lines go; defaults to stdout. */
  logDestination?: { write(line: string): void };
  /** Handle SIGTERM/SIGINT by draining and exiting; defaults to true when `env` is not given. */
  handleSignals?: boolean;
}
