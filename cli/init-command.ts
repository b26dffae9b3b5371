import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { ownPackageJson } from "./package-version.js";

/** Files `chains init` writes (project path → template in `cli/init-template/`, or generated). */
const TEMPLATE_FILES: ReadonlyArray<readonly [string, string]> = [
  ["chain.ts", "chain.ts.tmpl"],
  ["chain.test.ts", "chain.test.ts.tmpl"],
  ["tsconfig.json", "tsconfig.json.tmpl"],
  ["vitest.config.ts", "vitest.config.ts.tmpl"],
  ["README.md", "README.md.tmpl"],
  [".gitignore", "gitignore.tmpl"],
];

export interface InitResult {
  ok: boolean;
  /** Files written (on success) or the existing files that stopped it (on refusal), relative to the folder. */
  files: string[];
}

/** The template folder, from the source tree (cli/) and from the build (lib/cli/ → ../../cli/). */
function templateDir(): string {
  const here = fileURLToPath(new URL(".", import.meta.url));
  const candidates = [join(here, "init-template"), join(here, "..", "..", "cli", "init-template")];
  return candidates.find((dir) => existsSync(dir)) ?? candidates[0]!;
}

/** An npm package name made from the folder's name (`My Chain` → `my-chain`). */
export function projectName(dir: string): string {
  const name = basename(resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[._-]+|[-]+$/g, "");
  return name.slice(0, 214) || "my-chain";
}

function projectPackageJson(dir: string): string {
  const own = ownPackageJson();
  const pkg = {
    name: projectName(dir),
    version: "0.1.0",
    private: true,
    type: "module",
    scripts: { start: "chains serve chain.ts", build: "chains build chain.ts", test: "vitest run" },
    dependencies: { tschains: `^${own.version ?? "0.0.0"}` },
    // The vitest tschains itself is tested with.
    devDependencies: { vitest: own.devDependencies?.vitest ?? "latest" },
  };
  return JSON.stringify(pkg, null, 2) + "\n";
}

/**
 * Writes a small runnable project into `dir` (created if missing). Refuses, writing nothing, when any of
 * its files already exists there.
 */
export function initProject(dir: string): InitResult {
  const target = resolve(dir);
  const templates = templateDir();
  const files = new Map<string, string>([["package.json", projectPackageJson(target)]]);
  for (const [path, template] of TEMPLATE_FILES) files.set(path, readFileSync(join(templates, template), "utf8"));
  const existing = [...files.keys()].filter((path) => existsSync(join(target, path)));
  if (existing.length > 0) return { ok: false, files: existing };
  mkdirSync(target, { recursive: true });
  for (const [path, contents] of files) writeFileSync(join(target, path), contents, { flag: "wx" });
  return { ok: true, files: [...files.keys()] };
}

/** `chains init [dir]`. */
export function registerInitCommand(program: Command): void {
  program
    .command("init")
    .description("start a project: a chain of two Chainlets, a test, package.json and tsconfig.json")
    .argument("[dir]", "folder to create the project in", ".")
    .action((dir: string) => {
      const result = initProject(dir);
      const shown = relative(process.cwd(), resolve(dir)) || ".";
      if (!result.ok) {
        process.stderr.write(
          `error: chains init writes nothing into ${shown}: ${result.files.join(", ")} already exist${result.files.length === 1 ? "s" : ""}. ` +
            "Pick an empty or new folder: chains init <dir>\n",
        );
        process.exitCode = 1;
        return;
      }
      const cd = shown === "." ? "" : `cd ${shown}\n  `;
      process.stdout.write(
        `Created ${result.files.join(", ")} in ${shown}\n\nNext:\n  ${cd}npm install\n  npx chains serve chain.ts\n  npm test\n`,
      );
    });
}
