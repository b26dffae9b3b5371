import { childScript } from "../child-script.js";
import { spawnListening } from "../processes.js";
import type { ScenarioName } from "./scenarios.js";

export type BaselineFramework = "plain" | "fastify";

/** A two-service baseline running as two processes, like the two Chainlets it is compared with. */
export interface RunningBaseline {
  url: string;
  pids: number[];
  stop(): Promise<void>;
}

/** Starts the dependency, then the entry pointing at it; each in its own Node process. */
export async function startBaseline(framework: BaselineFramework, scenario: ScenarioName): Promise<RunningBaseline> {
  const script = await childScript("baselines/serve-baseline");
  const dependency = await spawnListening([script, framework, scenario, "dependency"], { listeningType: "listening" });
  try {
    const entry = await spawnListening([script, framework, scenario, "entry"], {
      listeningType: "listening",
      env: { DEPENDENCY_URL: dependency.url },
    });
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
