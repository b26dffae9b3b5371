import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ChainIR } from "../../compiler/chain-ir.js";
import { describeExit, serveChain, type ServeChainOptions, type ServedChain } from "../serve-chain.js";
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
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${dashboard.url}/v1/traces`,
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json",
        OTEL_BSP_SCHEDULE_DELAY: "200",
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
