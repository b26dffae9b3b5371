import { chainletName, type ChainletClass } from "./authoring.js";
import type { ChainletMeta, ChainletValidators } from "./chainlet-meta.js";
import { dependencyStub } from "./dependency-stub.js";
import { ChainsError } from "./errors.js";
import type { Injector } from "./injector.js";
import type { DeploymentContext } from "./remote-config.js";
import { scopedSecrets } from "./secrets.js";
import type { ServerConfig } from "./server-config.js";
import { attachTransport } from "./stub-base.js";
import type { Transport } from "./transport.js";

/**
 * The injector of a served Chainlet: `depends(X)` becomes an HTTP stub for X at its URL from
 * `CHAINS_DEPENDENCIES`, `dependsContext()` the deployment context built from the environment.
 */
export function servedInjector(meta: ChainletMeta, validators: ChainletValidators, config: ServerConfig, transport: Transport): Injector {
  return {
    dependency(target: ChainletClass | string, options) {
      const name = typeof target === "string" ? target : chainletName(target);
      const url = config.dependencies[name];
      if (!url) {
        throw new ChainsError(
          "CH2124",
          `${meta.name} depends on "${name}" but CHAINS_DEPENDENCIES has no URL for it ` +
            `(known: ${Object.keys(config.dependencies).join(", ") || "none"})`,
        );
      }
      const dependencyMeta = meta.dependencies[name];
      if (!dependencyMeta) throw new ChainsError("CH2124", `${meta.name} was built without a description of its dependency "${name}"`);
      return dependencyStub(transport.endpoint(name, url, options), dependencyMeta, validators.dependencies[name]?.output);
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
