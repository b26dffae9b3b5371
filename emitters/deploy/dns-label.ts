import { createHash } from "node:crypto";

/** RFC 1123 label as Kubernetes checks it for Service names (RFC 1035: must also start with a letter). */
export const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
export const DNS_LABEL_MAX = 63;

/**
 * Turns a Chainlet or chain name into a DNS label: lowercase, `[a-z0-9-]`, starting with a letter,
 * at most `max` characters. Names that had to be shortened get a hash of the original as suffix, so
 * two long names that share a prefix still map to different labels.
 */
export function toDnsLabel(raw: string, max = DNS_LABEL_MAX): string {
  let label = raw
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (!/^[a-z]/.test(label)) label = `c-${label}`.replace(/-+$/, "");
  if (label.length <= max) return label;
  const suffix = createHash("sha256").update(raw).digest("hex").slice(0, 6);
  return `${label.slice(0, max - suffix.length - 1).replace(/-+$/, "")}-${suffix}`;
}
