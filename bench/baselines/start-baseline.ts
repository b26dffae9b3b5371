import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { childScript } from "../child-script.js";
import { benchDir } from "../paths.js";
import { spawnListening, spawnPrinting, type ListeningProcess } from "../processes.js";
import type { ScenarioName } from "./scenarios.js";
import { TRPC_PROCEDURE } from "./trpc-server.js";

export type BaselineFramework = "plain" | "fastify" | "hono" | "trpc";

/** A two-service baseline running as two processes, like the two Chainlets it is compared with. */
export interface RunningBaseline {
  url: string;
  pids: number[];
  stop(): Promise<void>;
}

/** Starts the dependency, then the entry pointing at it; each in its own Node process. */
export async function startBaseline(framework: BaselineFramework, scenario: ScenarioName): Promise<RunningBaseline> {
  const script = await childScript("baselines/serve-baseline");
  return startPair(
    () => spawnListening([script, framework, scenario, "dependency"], { listeningType: "listening" }),
    (dependencyUrl) => spawnListening([script, framework, scenario, "entry"], { listeningType: "listening", env: { DEPENDENCY_URL: dependencyUrl } }),
  );
}

/** A dependency and the entry started with its URL, as one baseline; the dependency stops if the entry fails to start. */
async function startPair(dependencyProcess: () => Promise<ListeningProcess>, entryProcess: (dependencyUrl: string) => Promise<ListeningProcess>): Promise<RunningBaseline> {
  const dependency = await dependencyProcess();
  try {
    const entry = await entryProcess(dependency.url);
    return {
      url: entry.url,
      pids: [entry.child.pid ?? -1, dependency.child.pid ?? -1],
      stop: async () => {
        await entry.stop();
        await dependency.stop();
      },
    };
  } catch (error) {
    await dependency.stop();
    throw error;
  }
}

/** The frameworks users of tschains would otherwise pick, measured beside it by the hop benchmark. */
export type PeerName = "hono" | "trpc" | "fastapi";

/** A running peer, as the HTTP comparison measures it. */
export interface RunningPeer extends RunningBaseline {
  name: PeerName;
  /** The path `runRemote` is served at, and how to read the value out of the answer's JSON. */
  path: string;
  unwrap(json: unknown): unknown;
}

const PYTHON_PEER_MODULES = ["fastapi", "uvicorn", "httpx", "pydantic"];

/**
 * Starts the peers of `scenario`: Hono and tRPC always (npm devDependencies); FastAPI on uvicorn with
 * httpx when `python3` has those modules (Debian: `apt-get install python3-fastapi python3-uvicorn
 * python3-httpx`) and the scenario is `hello` (the only one it implements). A peer that cannot run is
 * skipped with a note saying why.
 */
export async function startPeers(scenario: ScenarioName): Promise<{ running: RunningPeer[]; skipped: string[] }> {
  const running: RunningPeer[] = [];
  const skipped: string[] = [];
  const direct = { path: "/v1/run_remote", unwrap: (json: unknown) => json };
  running.push({ name: "hono", ...direct, ...(await startBaseline("hono", scenario)) });
  const trpc = await startBaseline("trpc", scenario);
  running.push({ name: "trpc", path: `/${TRPC_PROCEDURE}`, unwrap: (json) => (json as { result?: { data?: unknown } })?.result?.data, ...trpc });
  const python = scenario === "hello" ? pythonWith(PYTHON_PEER_MODULES) : undefined;
  if (scenario !== "hello") skipped.push("FastAPI peer skipped: it implements only the hello scenario");
  else if (typeof python !== "string") skipped.push(`FastAPI peer skipped: ${python?.missing} (Debian: apt-get install python3-fastapi python3-uvicorn python3-httpx)`);
  else running.push({ name: "fastapi", ...direct, ...(await startFastApi(python)) });
  return { running, skipped };
}

/**
 * The first Python that imports `modules`: `python3` on the PATH, else Debian's own (a PATH python3
 * from pyenv or a venv does not see Debian's `python3-*` packages); or why none does.
 */
function pythonWith(modules: string[]): string | { missing: string } {
  const reasons: string[] = [];
  for (const python of ["python3", "/usr/bin/python3"]) {
    const probe = spawnSync(python, ["-c", `import ${modules.join(", ")}`], { encoding: "utf8", timeout: 20_000 });
    if (probe.status === 0) return python;
    reasons.push(probe.error ? `${python} is not available` : `${python} cannot import ${modules.join(", ")}: ${probe.stderr.trim().split("\n").at(-1)}`);
  }
  return { missing: reasons.join("; ") };
}

/** The FastAPI pair: dependency, then entry, each a `python3 fastapi_server.py` process. */
function startFastApi(python: string): Promise<RunningBaseline> {
  const script = join(benchDir, "baselines", "fastapi_server.py");
  return startPair(
    () => spawnPrinting(python, [script, "dependency"]),
    (dependencyUrl) => spawnPrinting(python, [script, "entry", dependencyUrl]),
  );
}
