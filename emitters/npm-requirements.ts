import npa from "npm-package-arg";

/** One entry of `dockerImage.npmRequirements`, split into package name and version range. */
export interface NpmRequirement {
  name: string;
  /** As written after the `@`; `undefined` when the entry names no version. */
  version: string | undefined;
}

/**
 * `"sharp@0.33.5"` → `{ name: "sharp", version: "0.33.5" }`; scoped names keep their leading `@`. Parsed by
 * npm's own `npm-package-arg` (the compiler accepted only registry specs, CH1211).
 */
export function parseNpmRequirement(spec: string): NpmRequirement {
  const parsed = npa(spec);
  return { name: parsed.name ?? spec, version: parsed.rawSpec === "" || parsed.rawSpec === "*" ? undefined : parsed.rawSpec };
}

/** The package name of an `npmRequirements` entry. */
export function packageName(spec: string): string {
  return parseNpmRequirement(spec).name;
}
