import type { Redact } from "../errors/error-envelope.js";

/** Values shorter than this are not redacted: replacing "a" everywhere would destroy every message. */
const MIN_SECRET_LENGTH = 4;

/** A function that replaces every occurrence of the given sensitive values by `[redacted]`. */
export function redactor(values: Iterable<string | undefined>): Redact {
  const secrets = [...new Set([...values].filter((v): v is string => typeof v === "string" && v.length >= MIN_SECRET_LENGTH))]
    // Longest first, so a secret containing another is replaced whole.
    .sort((a, b) => b.length - a.length);
  if (secrets.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join("[redacted]");
    return out;
  };
}
