/**
 * The container image reference grammar of the distribution project (the one `docker pull` and every
 * registry implement, github.com/distribution/reference `regexp.go`), as one anchored regular expression:
 * `[host[:port]/]path[:tag][@algorithm:hex]`. No JavaScript package keeps this grammar up to date, and it is
 * a few stable lines of the specification, so it is transcribed here rather than hand-approximated.
 */
const alphaNumeric = "[a-z0-9]+";
const separator = "(?:[._]|__|[-]+)";
const pathComponent = `${alphaNumeric}(?:${separator}${alphaNumeric})*`;
const domainComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const domainName = `${domainComponent}(?:\\.${domainComponent})*`;
const ipv6 = "\\[(?:[a-fA-F0-9:]+)\\]";
const host = `(?:${domainName}|${ipv6})`;
const domain = `${host}(?::[0-9]+)?`;
const tag = "[\\w][\\w.-]{0,127}";
const digest = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
const name = `(?:${domain}/)?${pathComponent}(?:/${pathComponent})*`;

const REFERENCE = new RegExp(`^(${name})(?::(${tag}))?(?:@(${digest}))?$`);

/** Longest repository name (host and path) the distribution grammar allows. */
export const IMAGE_NAME_MAX = 255;

/** Whether `text` is a complete image reference such as `node:20-slim`, `registry:5000/team/app@sha256:…`. */
export function isImageReference(text: string): boolean {
  const match = REFERENCE.exec(text);
  return match !== null && match[1]!.length <= IMAGE_NAME_MAX;
}
