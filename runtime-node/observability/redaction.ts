import type { Redact } from "../errors/error-envelope.js";
import { CUT_MARK } from "../protocol/error-envelope.js";

/** Values shorter than this are not redacted: replacing "a" everywhere would destroy every message. */
const MIN_SECRET_LENGTH = 4;
/** Encoded forms shorter than this are not redacted on their own: too likely to occur by chance. */
const MIN_FORM_LENGTH = 8;

/**
 * The parts of the base64 text of any string that holds `secret` that depend on the secret alone: one
 * per byte alignment (0, 1 or 2 bytes before it in its 3-byte group), without the edge characters
 * that also encode neighbouring bytes. So `base64("user:" + secret)` is caught as well as `base64(secret)`.
 */
function base64Cores(secret: string): string[] {
  const bytes = Buffer.from(secret, "utf8");
  const cores: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const text = Buffer.concat([Buffer.alloc(shift), bytes]).toString("base64");
    const core = text.slice(shift === 0 ? 0 : 4, Math.floor((shift + bytes.length) / 3) * 4);
    cores.push(core, core.replace(/\+/g, "-").replace(/\//g, "_"));
  }
  return cores;
}

/**
 * The forms a secret takes in text: as is, JSON-escaped (quotes, backslashes, control characters),
 * URL-encoded (both `%20` and form `+` spaces), and base64 (standard and URL-safe, any alignment).
 */
export function secretForms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const url = encodeURIComponent(secret);
  // The escaped forms are never shorter than the secret; a base64 core may be.
  return [secret, json, JSON.stringify(json).slice(1, -1), url, url.replace(/%20/g, "+"), ...base64Cores(secret).filter((core) => core.length >= MIN_FORM_LENGTH)];
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Every start of `form` at least `MIN_SECRET_LENGTH` long, as one pattern of nested optional groups
 * (`abcd(?:e(?:f)?)?`), linear in the form's length. UTF-16 units, as `truncated` cuts.
 */
function prefixesPattern(form: string): string {
  let rest = "";
  for (let i = form.length - 1; i >= MIN_SECRET_LENGTH; i--) rest = `(?:${escapeRegExp(form[i]!)}${rest})?`;
  return escapeRegExp(form.slice(0, MIN_SECRET_LENGTH)) + rest;
}

/**
 * A function that replaces every occurrence of the given sensitive values, in any of their text forms
 * (see `secretForms`), by `[redacted]`. One regular expression for all of them, longest first, so a
 * form containing another is replaced whole. A text cut by a hop that did not know the secret (a
 * dependency's message cut at `ENVELOPE_LIMITS`) may end a kept part with the secret's start: a start
 * of any form right before `CUT_MARK` is replaced too.
 */
export function redactor(values: Iterable<string | undefined>): Redact {
  const secrets = [...new Set([...values].filter((v): v is string => typeof v === "string" && v.length >= MIN_SECRET_LENGTH))];
  const forms = [...new Set(secrets.flatMap(secretForms))].sort((a, b) => b.length - a.length);
  if (forms.length === 0) return (text) => text;
  const whole = new RegExp(forms.map(escapeRegExp).join("|"), "g");
  const cutStart = new RegExp(`(?:${forms.map(prefixesPattern).join("|")})(?=${escapeRegExp(CUT_MARK)})`, "g");
  return (text) => {
    const redacted = text.replace(whole, "[redacted]");
    return redacted.includes(CUT_MARK) ? redacted.replace(cutStart, "[redacted]") : redacted;
  };
}
