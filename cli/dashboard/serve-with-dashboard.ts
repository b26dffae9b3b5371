import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ChainIR } from "../../compiler/chain-ir.js";
import { describeExit, serveChain, type ServeChainOptions, type ServedChain } from "../../api/serve-chain.js";
import { OTEL_ENV, OTLP_TRACES_PATH } from "../../runtime-node/protocol/env.js";
import { watchServe, type WatchedChain, type WatchServeOptions } from "../../api/serve-watch.js";
import { startDashboard, type Dashboard } from "./dashboard-server.js";

export interface ServedWithDashboard {
  served: ServedChain;
  dashboard: Dashboard;
  /** Stops the chain, then the dashboard. */
  stop(): Promise<void>;
}

/** Points the Chainlets' trace exporters at the dashboard (OTLP/HTTP JSON, short batch delay). */
function tracingEnv(dashboard: Dashboard): Record<string, string> {
  return {
    [OTEL_ENV.tracesEndpoint]: `${dashboard.url}${OTLP_TRACES_PATH}`,
    [OTEL_ENV.tracesProtocol]: "http/json",
    [OTEL_ENV.batchDelayMs]: "200",
  };
}

export interface WatchedWithDashboard {
  watched: WatchedChain;
  dashboard: Dashboard;
  /** Stops the chain, then the dashboard. */
  stop(): Promise<void>;
}

type Hooks = Pick<ServeChainOptions, "env" | "onLog" | "onExit">;

/** What both serve modes route through the dashboard: the tracing environment, log lines, unexpected exits. */
function dashboardHooks(dashboard: Dashboard, options: Hooks): Required<Pick<Hooks, "env" | "onLog" | "onExit">> {
  return {
    env: { ...options.env, ...tracingEnv(dashboard) },
    onLog: (line) => {
      dashboard.log(line.chainlet, line.line);
      options.onLog?.(line);
    },
    onExit: (event) => {
      dashboard.setState(event.chainlet, "failed", { reason: describeExit(event.code, event.signal) });
      options.onExit?.(event);
    },
  };
}

/** Runs `start` next to a started dashboard; the dashboard closes if the chain does not start, and after it stops. */
async function alongside<T extends { stop(): Promise<void> }>(dashboard: Dashboard, start: () => Promise<T>): Promise<{ running: T; stop(): Promise<void> }> {
  let running: T;
  try {
    running = await start();
  } catch (error) {
    await dashboard.close();
    throw error;
  }
  return {
    running,
    stop: async () => {
      await running.stop();
      await dashboard.close();
    },
  };
}

/**
 * `watchServe` with the local dashboard: as {@link serveWithDashboard}, and every reload shows in it —
 * a reshaped chain (Chainlets added, removed, new input schemas) and each restart (`restarting`, then
 * `ready` once the new process serves, or the reason it did not start).
 */
export async function watchWithDashboard(options: WatchServeOptions & { dashboardPort?: number }): Promise<WatchedWithDashboard> {
  const token = options.token ?? randomBytes(32).toString("base64url");
  const dashboard = await startDashboard({ token, port: options.dashboardPort });
  const { running, stop } = await alongside(dashboard, () =>
    watchServe({
      ...options,
      ...dashboardHooks(dashboard, options),
      token,
      onBuild: (ir) => {
        dashboard.update(ir);
        options.onBuild?.(ir);
      },
      onChainletState: (chainlet, state, details) => {
        dashboard.setState(chainlet, state, details);
        options.onChainletState?.(chainlet, state, details);
      },
    }),
  );
  return { watched: running, dashboard, stop };
}

/**
 * `serveChain` with the local dashboard: the dashboard starts first, the Chainlets export their
 * traces to it (OTLP/HTTP JSON, short batch delay) and it follows their state and log lines.
 */
export async function serveWithDashboard(options: ServeChainOptions & { dashboardPort?: number }): Promise<ServedWithDashboard> {
  const ir = JSON.parse(readFileSync(join(options.chainDir, "chain.json"), "utf8")) as ChainIR;
  const token = options.token ?? randomBytes(32).toString("base64url");
  const dashboard = await startDashboard({ ir, token, port: options.dashboardPort });
  const { running, stop } = await alongside(dashboard, () => serveChain({ ...options, ...dashboardHooks(dashboard, options), token }));
  for (const chainlet of Object.values(running.chainlets)) dashboard.setState(chainlet.name, "ready", { url: chainlet.url });
  return { served: running, dashboard, stop };
}
