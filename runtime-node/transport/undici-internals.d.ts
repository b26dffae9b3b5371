// undici publishes types only for its package index. These are the two modules behind the index's
// `Pool` and `Dispatcher#request`, imported directly so a bundle carries the HTTP/1.1 client alone
// instead of fetch, WebSocket, caches and mocks (two thirds of undici's size).
declare module "undici/lib/dispatcher/pool.js" {
  import type { Pool } from "undici";
  const PoolClass: typeof Pool;
  export = PoolClass;
}

declare module "undici/lib/api/api-request.js" {
  import type { Dispatcher } from "undici";
  function request(this: Dispatcher, options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData>;
  export = request;
}
