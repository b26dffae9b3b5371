import { createHash, timingSafeEqual } from "node:crypto";

const digest = (value: string) => createHash("sha256").update(value).digest();

/**
 * Checks `Authorization: Bearer <token>` against the accepted tokens in constant time (both sides are
 * hashed first, so neither the length nor the content of a token leaks through timing).
 * Returns "ok", "missing" (answer 401) or "wrong" (answer 403). No accepted tokens: everything is ok.
 */
export function checkBearer(header: string | undefined, accepted: readonly string[]): "ok" | "missing" | "wrong" {
  if (accepted.length === 0) return "ok";
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) return "missing";
  const given = digest(match[1]);
  let ok = false;
  for (const token of accepted) ok = timingSafeEqual(given, digest(token)) || ok;
  return ok ? "ok" : "wrong";
}
