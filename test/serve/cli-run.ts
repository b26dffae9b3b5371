import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

const repo = join(import.meta.dirname, "..", "..");
const cli = join(repo, "lib", "cli", "chains.js");

export interface CliRun {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the stdout seen so far once `pattern` appears in it (rejects if the CLI exits first). */
  waitFor(pattern: RegExp, stream?: "stdout" | "stderr"): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

/** Runs `chains <args>` from lib/ in the repository, with `env` added to the environment. */
export function runCli(args: string[], env: Record<string, string | undefined> = {}): CliRun {
  const child = spawn(process.execPath, [cli, ...args], { cwd: repo, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  const out = { stdout: "", stderr: "" };
  child.stdout!.on("data", (chunk) => (out.stdout += chunk));
  child.stderr!.on("data", (chunk) => (out.stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    exited,
    waitFor(pattern, stream = "stdout") {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = out[stream].match(pattern);
          if (match) {
            clearInterval(timer);
            resolve(match);
          }
        };
        const timer = setInterval(check, 50);
        void exited.then(() => {
          clearInterval(timer);
          const match = out[stream].match(pattern);
          if (match) resolve(match);
          else reject(new Error(`chains exited before printing ${pattern}:\n${out.stdout}\n${out.stderr}`));
        });
      });
    },
  };
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

