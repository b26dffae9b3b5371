import { createHash, timingSafeEqual } from "node:crypto";

/** What a bearer check concludes: "ok", "missing" (answer 401) or "wrong" (answer 403). */
export type BearerVerdict = "ok" | "missing" | "wrong";

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Tokens up to this many UTF-8 bytes are compared as they are, zero-padded to this length, so the
 * comparison takes the same time whatever the accepted token's length; longer ones through SHA-256.
 */
const FIXED_BYTES = 256;

const digest = (value: string) => createHash("sha256").update(value).digest();

/** A token as the check compares it: padded to `FIXED_BYTES` with its length, or (longer) its digest. */
interface Expected {
  length: number;
  padded: Buffer | undefined;
  digest: Buffer | undefined;
}

function expected(token: string): Expected {
  const length = Buffer.byteLength(token);
  if (length > FIXED_BYTES) return { length, padded: undefined, digest: digest(token) };
  const padded = Buffer.alloc(FIXED_BYTES);
  padded.write(token);
  return { length, padded, digest: undefined };
}

/**
 * A checker of `Authorization: Bearer <token>` against the accepted tokens, compared in constant time:
 * neither the length nor the content of an accepted token leaks through timing. The accepted tokens
 * are prepared once here; a check copies the presented one into a fixed-size scratch buffer (no
 * hashing per request) and compares it with every accepted token of the same kind.
 * No accepted tokens: everything is ok.
 */
export function bearerChecker(accepted: readonly string[]): (header: string | undefined) => BearerVerdict {
  if (accepted.length === 0) return () => "ok";
  const tokens = accepted.map(expected);
  const scratch = Buffer.alloc(FIXED_BYTES);
  return (header) => {
    const match = header ? BEARER.exec(header) : null;
    if (!match) return "missing";
    const given = match[1];
    const length = Buffer.byteLength(given);
    let ok = false;
    if (length > FIXED_BYTES) {
      const hashed = digest(given);
      for (const token of tokens) if (token.digest) ok = timingSafeEqual(hashed, token.digest) || ok;
    } else {
      scratch.fill(0);
      scratch.write(given);
      for (const token of tokens) if (token.padded) ok = (timingSafeEqual(scratch, token.padded) && token.length === length) || ok;
    }
    return ok ? "ok" : "wrong";
  };
}
