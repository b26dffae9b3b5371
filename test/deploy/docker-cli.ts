import { execFile, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";

/** Where scripts/docker-engine.sh puts its socket when DOCKER_HOST is not set. */
const DEFAULT_SOCKET = `${process.env.TSCHAINS_DOCKER_ROOT ?? "/tmp/tschains-docker"}/docker.sock`;
export const BASE_IMAGE = "node:24-slim";

/** The environment docker and docker-compose run with: the test engine's socket unless DOCKER_HOST says otherwise. */
export function dockerEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const host = process.env.DOCKER_HOST ?? (existsSync(DEFAULT_SOCKET) ? `unix://${DEFAULT_SOCKET}` : undefined);
  return { ...process.env, ...(host ? { DOCKER_HOST: host } : {}), ...extra };
}

export type EngineProbe = { ok: true } | { ok: false; reason: string };

/** Is there an engine that answers, with the base image the emitted Dockerfiles start from, and docker-compose? */
export function probeEngine(): EngineProbe {
  const hint = "start one with: eval \"$(bash scripts/docker-engine.sh)\"";
  const version = spawnSync("docker", ["version", "--format", "{{.Server.Version}}"], { env: dockerEnv(), encoding: "utf8", timeout: 20_000 });
  if (version.status !== 0) return { ok: false, reason: `no Docker engine answers (${(version.stderr || String(version.error)).trim().split("\n")[0]}); ${hint}` };
  const image = spawnSync("docker", ["image", "inspect", BASE_IMAGE], { env: dockerEnv(), encoding: "utf8", timeout: 20_000 });
  if (image.status !== 0) return { ok: false, reason: `the engine has no ${BASE_IMAGE} base image; ${hint}` };
  const compose = spawnSync("docker-compose", ["version", "--short"], { encoding: "utf8", timeout: 20_000 });
  if (compose.status !== 0) return { ok: false, reason: `docker-compose is not installed; ${hint}` };
  return { ok: true };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (bounded by `timeoutMs`) and returns its exit code and output. */
export function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, env: options.env ?? dockerEnv(), timeout: options.timeoutMs ?? 300_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr: stderr || (error && code !== 0 ? String(error.message) : "") });
      },
    );
  });
}

/** `docker <args>`; throws with docker's own message when it fails. */
export async function docker(args: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<string> {
  const result = await run("docker", args, options);
  if (result.code !== 0) throw new Error(`docker ${args.join(" ")} failed (${result.code}):\n${result.stderr}${result.stdout.slice(-2000)}`);
  return result.stdout;
}

/** A port the OS says is free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** Polls `check` until it returns a value other than undefined, at most `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 90_000, intervalMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}
