import type { ChainletResponse } from "./chainlet-response.js";
import { withoutInternals } from "../errors/error-envelope.js";
import { ENV } from "../protocol/env.js";
import type { ErrorEnvelope } from "../protocol/error-envelope.js";
import { bearerChecker } from "./auth.js";

/** What decides who an error answer is for; all of it is known when the server starts. */
export interface CallerPolicy {
  isEntrypoint: boolean;
  /** `chains serve` on loopback: everything is shown, it is local. */
  entrypointPublic: boolean;
  /** Internal token: a request that carries it comes from another Chainlet of the chain. */
  authToken?: string;
  env: Record<string, string | undefined>;
}

/** Gives the envelope a request's caller may see. */
export type ForCaller = (envelope: ErrorEnvelope, res: ChainletResponse) => ErrorEnvelope;

/**
 * Chooses, per request, the envelope to send: outside callers of the entrypoint (anyone not presenting
 * the internal token) get `withoutInternals` plus the request id; other Chainlets get the full chain of
 * causes with `.ts` lines; `chains serve` and `CHAINS_EXPOSE_STACKS=1` show everything to everyone.
 * Only what is sent changes: logs always get the full envelope.
 */
export function envelopeForCaller(policy: CallerPolicy): ForCaller {
  const expose = policy.env[ENV.exposeStacks] === "1" || policy.env[ENV.exposeStacks] === "true";
  if (!policy.isEntrypoint || policy.entrypointPublic || expose) return (envelope) => envelope;
  const isInternal = chainletCallerCheck(policy);
  return (envelope, res) => {
    if (isInternal(res.req.headers.authorization)) return envelope;
    return { ...withoutInternals(envelope), requestId: res.requestId };
  };
}

/**
 * Whether a request comes from another Chainlet of the chain, given its `Authorization` header: every
 * request to a Chainlet that is not the entrypoint (only Chainlets can call it), and a request to the
 * entrypoint that presents the internal token. Such requests are read tolerantly (unknown properties
 * dropped); outside callers are read strictly, so their typos are errors.
 */
export function chainletCallerCheck(policy: Pick<CallerPolicy, "isEntrypoint" | "authToken">): (authorization: string | undefined) => boolean {
  if (!policy.isEntrypoint) return () => true;
  const { authToken } = policy;
  if (!authToken) return () => false;
  const check = bearerChecker([authToken]);
  return (authorization) => check(authorization) === "ok";
}
