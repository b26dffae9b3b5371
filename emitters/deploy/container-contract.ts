import { ENV } from "../../runtime-node/protocol/env.js";

/**
 * What the deployments assume about a Chainlet container, all of it fixed by the runtime server and the
 * emitted Dockerfile: one port, the health routes, and how long a SIGTERM drain may take.
 */
export const CONTAINER_PORT = 8080;
/**
 * Kubernetes only: the port of the health and metrics routes (`CHAINS_OPS_PORT`), apart from the service
 * port, so the public Service and Ingress never reach them while the kubelet and Prometheus do.
 */
export const OPS_PORT = 9090;
/** The server's drain budget (`CHAINS_SHUTDOWN_TIMEOUT_SEC`), set explicitly so it matches the grace below. */
export const DRAIN_SECONDS = 30;
/** Time the orchestrator waits after SIGTERM before SIGKILL: the drain plus room for the process to exit. */
export const TERMINATION_GRACE_SECONDS = DRAIN_SECONDS + 5;
/** Where Kubernetes mounts a Chainlet's secrets, one file per key (`CHAINS_SECRETS_DIR`). */
export const SECRETS_DIR = "/var/run/secrets/tschains";
/** The image's non-root user (the base image's `node`). */
export const RUN_AS_UID = 1000;
/**
 * Node's module compile cache in the image (`NODE_COMPILE_CACHE`), owned by `RUN_AS_UID` and filled when
 * the image is built: inside the application folder, not `/tmp`, which Kubernetes mounts an empty
 * volume over. Read-only at run time there; Node then only reads it.
 */
export const COMPILE_CACHE_DIR = "/app/.node-compile-cache";

/** Environment every container gets whatever the orchestrator: listen on all interfaces, on the port above. */
export function listenEnvironment(): Record<string, string> {
  return {
    [ENV.host]: "0.0.0.0",
    [ENV.port]: String(CONTAINER_PORT),
    [ENV.shutdownTimeoutSec]: String(DRAIN_SECONDS),
  };
}

/**
 * A healthcheck command that needs only node (slim images have no curl): exit 0 when `path` answers 2xx.
 */
export function nodeProbeCommand(path: string): string[] {
  return [
    "node",
    "-e",
    `fetch("http://127.0.0.1:${CONTAINER_PORT}${path}").then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
  ];
}
