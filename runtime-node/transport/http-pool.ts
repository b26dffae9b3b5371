/// <reference path="./undici-internals.d.ts" />
import type { Dispatcher, Pool } from "undici";
import { stopPretenuring } from "./pretenuring.js";

export type { Dispatcher };

/** The two undici modules the transport uses (see undici-internals.d.ts). */
interface Undici {
  Pool: typeof Pool;
  request: (this: Dispatcher, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;
}

let undici: Undici | undefined;
let loading: Promise<Undici> | undefined;

/**
 * undici's pool and request modules, evaluated on first need: a Chainlet without dependencies never
 * calls out, and evaluating them (with the builtins they load: tls, http2, zlib, ...) was the largest
 * share of a Chainlet's start-up. In the runtime's bundle they are chunks of their own (the context's
 * `runtime/`), read only by this `import()`. A process that calls out also stops V8's pretenuring then.
 */
function loadUndici(): Promise<Undici> {
  return (loading ??= Promise.all([import("undici/lib/dispatcher/pool.js"), import("undici/lib/api/api-request.js"), stopPretenuring()]).then(
    ([pool, request]) => (undici = { Pool: pool.default, request: request.default }),
  ));
}

/**
 * A keep-alive undici `Pool` for one origin, from undici's pool module alone (the package index would
 * put all of undici into every Chainlet's bundle). Made when undici has loaded, which starts when the
 * pool is created: by the time the first call is sent it has usually finished.
 */
export class HttpPool {
  private pool: Pool | undefined;
  private readonly ready: Promise<Pool>;

  constructor(origin: string, options: Pool.Options) {
    this.ready = loadUndici().then(({ Pool }) => (this.pool = new Pool(origin, options)));
  }

  /** `pool.request(options)`: the index adds `request` to every dispatcher; without it, it is called on one. */
  request(options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData> {
    if (this.pool) return undici!.request.call(this.pool, options);
    return this.ready.then((pool) => undici!.request.call(pool, options));
  }

  /** `pool.dispatch(options, handler)`, once undici has loaded (see `postForWholeAnswer`). */
  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): void {
    if (this.pool) this.pool.dispatch(options, handler);
    else void this.ready.then((pool) => pool.dispatch(options, handler));
  }

  /** Closes every pooled connection. */
  async close(): Promise<void> {
    await (await this.ready).close();
  }
}
