import type { RemoteConfig } from "./remote-config.js";

/**
 * A Chainlet class as a value (what `depends` and `runLocal` take). Its own module so the injector,
 * which constructs Chainlets, needs nothing of the authoring API that uses it.
 */
export type ChainletClass<T = object> = (abstract new () => T) & { remoteConfig?: RemoteConfig };
