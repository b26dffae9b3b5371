import { chainletName, type ChainletClass } from "../authoring/authoring.js";
import type { ChainletMeta, ChainletValidators } from "./chainlet-meta.js";
import { dependencyStub } from "../transport/dependency-stub.js";
import { runtimeError } from "../errors/errors.js";
import type { Injector } from "../authoring/injector.js";
import type { DeploymentContext } from "../authoring/remote-config.js";
import { scopedSecrets } from "../authoring/secrets.js";
import type { ServerConfig } from "./server-config.js";
import { attachTransport } from "../transport/stub-base.js";
import type { Transport } from "../transport/transport.js";
import type { ChainletMetrics } from "../observability/metrics.js";

/**
 * The injector of a served Chainlet: `depends(X)` becomes an HTTP stub for X at its URL from
 * `CHAINS_DEPENDENCIES`, `dependsContext()` the deployment context built from the environment.
 */
export function servedInjector(meta: ChainletMeta, validators: ChainletValidators, config: ServerConfig, transport: Transport, metrics: ChainletMetrics): Injector {
  return {
    dependency(target: ChainletClass | string, options) {
      const name = typeof target === "string" ? target : chainletName(target);
      const url = config.dependencies[name];
      if (!url) {
        throw runtimeError("CH2124", { chainlet: meta.name, dependency: name, known: Object.keys(config.dependencies) });
      }
      const dependencyMeta = meta.dependencies[name];
      if (!dependencyMeta) throw runtimeError("CH2124", { chainlet: meta.name, dependency: name });
      const dependencyValidators = validators.dependencies[name];
      return dependencyStub(transport.endpoint(name, url, options), dependencyMeta, {
        validate: dependencyValidators?.output,
        tolerant: dependencyValidators?.tolerantOutput,
        onDropped: (count) => metrics.unknownPropertiesDropped("output", name, count),
      });
    },
    context(): DeploymentContext {
      return attachTransport({
        secrets: scopedSecrets(meta.name, meta.config.assets.secretKeys, config.secrets),
        dataDir: config.dataDir,
        environment: config.environment,
        chainletToService: Object.fromEntries(Object.entries(config.dependencies).map(([name, url]) => [name, { url }])),
      }, transport);
    },
  };
}
