import type { DeploymentContext, DependsOptions } from "../authoring/remote-config.js";
import { Transport, type Endpoint } from "./transport.js";

const TRANSPORT = Symbol.for("tschains.transport");

/** Lets `StubBase.fromUrl` reuse the served Chainlet's transport (pools, metrics) through its context. */
export function attachTransport<C extends object>(context: C, transport: Transport): C {
  Object.defineProperty(context, TRANSPORT, { value: transport, enumerable: false });
  return context;
}

let fallback: Transport | undefined;

function transportOf(context: DeploymentContext | undefined): Transport {
  const attached = (context as { [TRANSPORT]?: Transport } | undefined)?.[TRANSPORT];
  return attached ?? (fallback ??= new Transport());
}

/** Options of `StubBase.fromUrl`: the dependency options plus how to talk to a foreign service. */
export interface StubOptions extends DependsOptions {
  /** Name in errors, logs and metrics; defaults to the class name. */
  name?: string;
  /** Sent as `Authorization: Bearer <authToken>`. The chain's own token is never sent to a StubBase URL. */
  authToken?: string;
  /** Extra headers on every call (an API key header of a model server, say). */
  headers?: Record<string, string>;
}

/**
 * Wraps an already deployed HTTP service (another chain, a model server) as a typed dependency.
 * Subclass it, give `runRemote` the types you want, and call `this.predict(inputs)`, which POSTs
 * `inputs` (JSON, or MessagePack with `binary: true`) to the URL and returns the decoded answer, with
 * the same retries, timeouts, concurrency limit and error envelopes as calls between Chainlets.
 *
 * ```ts
 * class Classifier extends StubBase {
 *   async runRemote(text: string): Promise<{ label: string }> {
 *     return this.predict({ text });
 *   }
 * }
 * // in a Chainlet's constructor: context = dependsContext()
 * this.classifier = Classifier.fromUrl("http://model:8000/predict", context, { retries: 2 });
 * ```
 */
export abstract class StubBase {
  /** Use `fromUrl`; the constructor is public only so subclasses need not redeclare it. */
  constructor(protected readonly endpoint: Endpoint) {}

  /** A stub for the service at `url` (the full URL that is POSTed to). */
  static fromUrl<T extends StubBase>(this: new (endpoint: Endpoint) => T, url: string, context?: DeploymentContext, options: StubOptions = {}): T {
    const { name, authToken, headers, ...depends } = options;
    const parsed = new URL(url);
    const endpoint = transportOf(context).endpoint(name ?? this.name, parsed.origin, {
      ...depends,
      path: `${parsed.pathname}${parsed.search}`,
      authToken: authToken ?? null,
      headers,
    });
    return new this(endpoint);
  }

  /** POSTs `inputs` and returns the decoded answer; failures throw `RemoteError` and friends. */
  protected predict<R = unknown>(inputs: unknown): Promise<R> {
    return this.endpoint.call(inputs) as Promise<R>;
  }

  /** POSTs `inputs` to a streaming service (ndjson or tschains' MessagePack frames) and yields each item. */
  protected predictStream<R = unknown>(inputs: unknown): AsyncIterable<R> {
    return this.endpoint.stream(inputs) as AsyncIterable<R>;
  }
}
