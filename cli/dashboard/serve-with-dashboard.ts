import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ChainIR } from "../../compiler/chain-ir.js";
import { describeExit, serveChain, type ServeChainOptions, type ServedChain } from "../../api/serve-chain.js";
import { OTEL_ENV, OTLP_TRACES_PATH } from "../../runtime-node/protocol/env.js";
import { startDashboard, type Dashboard } from "./dashboard-server.js";

export interface ServedWithDashboard {
  served: ServedChain;
  dashboard: Dashboard;
  /** Stops the chain, then the dashboard. */
  stop(): Promise<void>;
}

/**
 * `serveChain` with the local dashboard: the dashboard starts first, the Chainlets export their
 * traces to it (OTLP/HTTP JSON, short batch delay) and it follows their state and log lines.
 */
export async function serveWithDashboard(options: ServeChainOptions & { dashboardPort?: number }): Promise<ServedWithDashboard> {
  const ir = JSON.parse(readFileSync(join(options.chainDir, "chain.json"), "utf8")) as ChainIR;
  const token = options.token ?? randomBytes(32).toString("base64url");
  const dashboard = await startDashboard({ ir, token, port: options.dashboardPort });
  let served: ServedChain;
  try {
    served = await serveChain({
      ...options,
      token,
      env: {
        ...options.env,
        [OTEL_ENV.tracesEndpoint]: `${dashboard.url}${OTLP_TRACES_PATH}`,
        [OTEL_ENV.tracesProtocol]: "http/json",
        [OTEL_ENV.batchDelayMs]: "200",
      },
      onLog: (line) => {
        dashboard.log(line.chainlet, line.line);
        options.onLog?.(line);
      },
      onExit: (event) => {
        dashboard.setState(event.chainlet, "failed", { reason: describeExit(event.code, event.signal) });
        options.onExit?.(event);
      },
    });
  } catch (error) {
    await dashboard.close();
    throw error;
  }
  for (const chainlet of Object.values(served.chainlets)) dashboard.setState(chainlet.name, "ready", { url: chainlet.url });
  return {
    served,
    dashboard,
    stop: async () => {
      await served.stop();
      await dashboard.close();
    },
  };
}
