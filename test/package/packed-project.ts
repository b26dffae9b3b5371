import { execFile, spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

export const run = promisify(execFile);
export const repo = join(import.meta.dirname, "..", "..");

/** Packs the repository (lib/ must be fresh) into `work` and returns the tarball's file name. */
export async function packTarball(work: string): Promise<string> {
  await run("npm", ["pack", "--ignore-scripts", "--pack-destination", work], { cwd: repo });
  return readdirSync(work).find((f) => f.endsWith(".tgz"))!;
}

/** `npm install` in `app`, from the local cache where it can (the packed tarball is a `file:` dependency). */
export async function npmInstall(app: string): Promise<void> {
  await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], { cwd: app });
}

/**
 * Runs `chains serve <args>` with the project's installed CLI, waits for the ready line, hands its URL
 * to `use`, then stops the chain with SIGTERM; resolves to the exit code.
 */
export async function whileServing(app: string, args: string[], use: (url: string) => Promise<void>): Promise<number | null> {
  const child = spawn(join(app, "node_modules", ".bin", "chains"), ["serve", ...args], { cwd: app, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        const match = output.match(/is ready: (http:\/\/127\.0\.0\.1:\d+)/);
        if (match) {
          clearInterval(timer);
          resolve(match[1]!);
        }
      }, 50);
      void exited.then(() => {
        clearInterval(timer);
        reject(new Error(`chains serve exited:\n${output}`));
      });
    });
    await use(url);
  } finally {
    child.kill("SIGTERM");
  }
  return exited;
}
