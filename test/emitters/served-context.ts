import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import type { EmittedFile } from "../../emitters/emitted-file.js";

/** Writes emitted files under `dir` as the build would. */
export function writeEmitted(files: EmittedFile[], dir: string): void {
  for (const file of files) {
    const path = join(dir, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.contents, { mode: file.mode ?? 0o644 });
  }
}

/** Copies a Chainlet's build context to a fresh folder under the OS temp dir, outside the repository. */
export function copyOutsideRepo(contextDir: string): string {
  const target = mkdtempSync(join(tmpdir(), "tschains-context-"));
  cpSync(contextDir, target, { recursive: true });
  return target;
}

export interface ServedProcess {
  url: string;
  child: ChildProcess;
  output: string[];
  stop(): Promise<void>;
}

/**
 * Runs `node server.mjs` in `cwd` (the Dockerfile's CMD; `nodeArgs` go before it) on 127.0.0.1 with
 * PORT=0, and resolves with the URL the server logs once it listens. The environment is only what is
 * passed, plus PATH.
 */
export function serveContext(cwd: string, env: Record<string, string>, nodeArgs: string[] = []): Promise<ServedProcess> {
  const child = spawn(process.execPath, [...nodeArgs, "server.mjs"], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };
  createInterface({ input: child.stderr! }).on("line", (line) => output.push(line));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`server did not start in 20s:\n${output.join("\n")}`));
    }, 20_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output.join("\n")}`));
    });
    createInterface({ input: child.stdout! }).on("line", (line) => {
      output.push(line);
      const url = /"url":"(http:[^"]+)"/.exec(line)?.[1];
      if (url) {
        clearTimeout(timer);
        child.removeAllListeners("exit");
        resolve({ url, child, output, stop });
      }
    });
  });
}

/** POSTs a JSON body to a served Chainlet's `/v1/run_remote`. */
export async function runRemote(url: string, body: unknown, token?: string): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${url}/v1/run_remote`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}
