/// <reference path="./undici-internals.d.ts" />
import type { Dispatcher, Pool } from "undici";
import PoolClass from "undici/lib/dispatcher/pool.js";
import request from "undici/lib/api/api-request.js";

export type { Dispatcher, Pool };

/**
 * A keep-alive undici `Pool` for one origin, from undici's pool module alone (see
 * undici-internals.d.ts): the package index would put all of undici into every Chainlet's bundle.
 */
export function createPool(origin: string, options: Pool.Options): Pool {
  return new PoolClass(origin, options);
}

/** `pool.request(options)`: the index adds `request` to every dispatcher; without it, it is called on one. */
export function poolRequest(pool: Pool, options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData> {
  return request.call(pool, options);
}
