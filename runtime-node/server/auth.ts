import { createHash, timingSafeEqual } from "node:crypto";

const digest = (value: string) => createHash("sha256").update(value).digest();

/** What a bearer check concludes: "ok", "missing" (answer 401) or "wrong" (answer 403). */
export type BearerVerdict = "ok" | "missing" | "wrong";

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * A checker of `Authorization: Bearer <token>` against the accepted tokens, compared in constant time
 * (both sides are SHA-256 digests, so neither the length nor the content of a token leaks through
 * timing). The accepted tokens are digested once here; each check digests only the presented one.
 * No accepted tokens: everything is ok.
 */
export function bearerChecker(accepted: readonly string[]): (header: string | undefined) => BearerVerdict {
  if (accepted.length === 0) return () => "ok";
  const digests = accepted.map(digest);
  return (header) => {
    const match = header ? BEARER.exec(header) : null;
    if (!match) return "missing";
    const given = digest(match[1]);
    let ok = false;
    for (const expected of digests) ok = timingSafeEqual(given, expected) || ok;
    return ok ? "ok" : "wrong";
  };
}
