import { join, relative } from "node:path";
import { childScript, compiledScript } from "./child-script.js";
import type { FixtureBuild } from "./fixture-build.js";
import { benchTmpDir, repoRoot } from "./paths.js";
import { runToExit, spawnListening } from "./processes.js";

/** Why a tschains side could not be measured, reported in place of its figures. */
export class NotAvailable extends Error {}

const builds = new Map<string, Promise<string>>();

/**
 * Builds a chain once per run into bench/.tmp/build/ and returns its chain folder. A failed build is
 * a `NotAvailable` carrying the diagnostics: the benchmark reports it instead of crashing the suite.
 * Run from lib/, the build is a process of its own (`build-host`), so the compiler's heap never sits in
 * the process that generates the load; from the TypeScript sources (the smoke test, which measures
 * nothing) it runs here, as the compiler cannot be bundled away from the files it finds beside itself.
 */
export function buildFixture(entry: string): Promise<string> {
  const key = relative(repoRoot, entry);
  let build = builds.get(key);
  if (!build) {
    build = (async () => {
      const outDir = join(benchTmpDir, "build", key.replace(/[\\/]/g, "_").replace(/\.ts$/, ""));
      const host = compiledScript("build-host");
      const built = host ? await buildInProcessOfItsOwn(host, entry, outDir) : await (await import("./fixture-build.js")).buildForBenchmark(entry, outDir);
      if (built.failure !== undefined) throw new NotAvailable(`chains build ${key} ${built.failure}`);
      return built.chainDir;
    })();
    builds.set(key, build);
  }
  return build;
}

/** Runs `build-host` and waits for its one message. */
async function buildInProcessOfItsOwn(host: string, entry: string, outDir: string): Promise<FixtureBuild> {
  let built: FixtureBuild | undefined;
  const exited = await runToExit([host, entry, outDir], (message) => (built ??= message as FixtureBuild));
  return built ?? { failure: `threw: build-host ${exited.how}:\n${exited.stderr}` };
}

/** A chain being served: its entrypoint's URL and the Chainlet processes (not the serving process). */
export interface ServedFixture {
  url: string;
  pids: number[];
  stop(): Promise<void>;
}

/**
 * Builds (once) and serves a chain with `serveChain` — one process per Chainlet on loopback — from a
 * separate host process (`serve-host`), as `chains serve` runs apart from its clients. `env` reaches
 * every Chainlet process.
 */
export async function serveFixture(entry: string, env: Record<string, string> = {}): Promise<ServedFixture> {
  const chainDir = await buildFixture(entry);
  let host;
  try {
    host = await spawnListening([await childScript("serve-host"), chainDir], { env, listeningType: "serving", timeoutMs: 40_000 });
  } catch (error) {
    throw new NotAvailable(`serving ${relative(repoRoot, entry)} failed: ${(error as Error).message}`);
  }
  const message = host.message as { pids?: number[] };
  return { url: host.url, pids: message.pids ?? [], stop: () => host.stop() };
}

/** Absolute path of a chain fixture: `fixtures/hello/chain.ts` or `bench/fixtures/fan-out/chain.ts`. */
export function fixturePath(path: string): string {
  return join(repoRoot, path);
}
