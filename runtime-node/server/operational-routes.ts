import type { ChainletResponse } from "./chainlet-response.js";
import { sendJson } from "./answers.js";
import type { Redact } from "../errors/error-envelope.js";
import { HEALTHZ_PATH, METRICS_PATH, READYZ_PATH } from "../protocol/http.js";
import { constructorFailedReason, type Readiness } from "../protocol/readiness.js";
import type { ServerContext, ServerState } from "./server-context.js";

/** The routes probes and scrapers call, by path: none needs a token. */
export const OPERATIONAL_ROUTES: Record<string, (ctx: ServerContext, res: ChainletResponse) => void> = {
  [HEALTHZ_PATH]: (ctx, res) => sendJson(res, 200, { status: "ok", chainlet: ctx.spec.meta.name, buildId: ctx.config.buildId ?? null }),
  [READYZ_PATH]: (ctx, res) => {
    const chainlet = ctx.spec.meta.name;
    void readiness(ctx.state, ctx.redact).then(({ ready, reason }) =>
      sendJson(res, ready ? 200 : 503, ready ? { status: "ready", chainlet } : { status: "not ready", chainlet, reason }),
    );
  },
  [METRICS_PATH]: (ctx, res) => {
    void ctx.metrics.scrape().then(({ contentType, text }) => {
      res.head(200, { "content-type": contentType });
      res.end(text);
    });
  },
};

/** The readiness `/readyz` would answer when it needs no call to the Chainlet's `isHealthy()` (undefined when it does). */
export function settledReadiness(state: ServerState): Readiness | undefined {
  if (state.shuttingDown) return { ready: false, reason: "shutting down" };
  if (state.missingSecrets) return { ready: false, reason: state.missingSecrets };
  if (!state.instance) return { ready: false, reason: constructorFailedReason(state.constructError) };
  if (typeof state.instance.isHealthy !== "function") return { ready: true };
  return undefined;
}

// /readyz is open to anyone, so whatever isHealthy() threw passes through the redactor like every envelope.
async function readiness(state: ServerState, redact: Redact): Promise<Readiness> {
  const settled = settledReadiness(state);
  if (settled) return settled;
  try {
    // Not settled: constructed, with an `isHealthy()`.
    const healthy = await state.instance!.isHealthy!();
    return healthy ? { ready: true } : { ready: false, reason: "isHealthy() returned false" };
  } catch (error) {
    return { ready: false, reason: redact(`isHealthy() threw: ${error instanceof Error ? error.message : String(error)}`) };
  }
}
