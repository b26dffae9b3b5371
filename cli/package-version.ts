import { readFileSync } from "node:fs";

interface PackageJson {
  name?: string;
  version?: string;
  devDependencies?: Record<string, string>;
}

/** tschains' own package.json, found both from the source tree (cli/) and the build (lib/cli/). */
export function ownPackageJson(): PackageJson {
  for (const candidate of ["../package.json", "../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(candidate, import.meta.url), "utf8")) as PackageJson;
      if (pkg.name === "tschains") return pkg;
    } catch {
      // Not at this level; try the next one.
    }
  }
  return {};
}

/** The package version, or 0.0.0 when package.json cannot be found. */
export function packageVersion(): string {
  return ownPackageJson().version ?? "0.0.0";
}
