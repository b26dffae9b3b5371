/** One entry of `dockerImage.npmRequirements`, split into package name and version range. */
export interface NpmRequirement {
  name: string;
  /** As written after the `@`; `undefined` when the entry names no version. */
  version: string | undefined;
}

/** `"sharp@0.33.5"` → `{ name: "sharp", version: "0.33.5" }`; scoped names keep their leading `@`. */
export function parseNpmRequirement(spec: string): NpmRequirement {
  const at = spec.indexOf("@", spec.startsWith("@") ? 1 : 0);
  if (at < 0) return { name: spec, version: undefined };
  return { name: spec.slice(0, at), version: spec.slice(at + 1) || undefined };
}

/** The package name of an `npmRequirements` entry. */
export function packageName(spec: string): string {
  return parseNpmRequirement(spec).name;
}
