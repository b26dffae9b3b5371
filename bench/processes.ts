import { spawn, type ChildProcess } from "node:child_process";

/** A running process that announced its URL over IPC. */
export interface ListeningProcess {
  child: ChildProcess;
  url: string;
  /** The whole message that announced the URL (it may carry more, such as process ids). */
  message: Record<string, unknown>;
  /** The last lines it wrote, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Spawns `node <args>` with an IPC channel and waits until it sends `{ url }` in a message whose
 * `type` is `listeningType`; rejects with its output if it exits first or takes longer than `timeoutMs`.
 */
export function spawnListening(
  args: string[],
  options: { env?: Record<string, string | undefined>; cwd?: string; listeningType: string; timeoutMs?: number },
): Promise<ListeningProcess> {
  const child = spawn(process.execPath, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  return supervise(child, args, options.timeoutMs, (ready) => {
    child.on("message", (message: { type?: string; url?: string }) => {
      if (message?.type === options.listeningType && typeof message.url === "string") ready(message.url, message);
    });
  });
}

/** A process that is not Node (a Python peer): spawned like `spawnListening`, it announces `listening <url>` on stdout. */
export function spawnPrinting(command: string, args: string[], timeoutMs?: number): Promise<ListeningProcess> {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  return supervise(child, [command, ...args], timeoutMs, (ready) => {
    let line = "";
    const scan = (chunk: Buffer) => {
      line = (line + chunk.toString("utf8")).slice(-4000);
      const match = /^listening (http:\/\/\S+)$/m.exec(line);
      if (!match) return;
      child.stdout!.off("data", scan);
      ready(match[1], { url: match[1] });
    };
    child.stdout!.on("data", scan);
  });
}

/** Keeps a spawned process's last output, stops it on demand, and resolves once `listen` calls `ready`. */
function supervise(
  child: ChildProcess,
  args: string[],
  timeoutMs = 30_000,
  listen: (ready: (url: string, message: Record<string, unknown>) => void) => void,
): Promise<ListeningProcess> {
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-4000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    const force = setTimeout(() => child.kill("SIGKILL"), 45_000);
    await exited;
    clearTimeout(force);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${args.join(" ")} did not listen within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(" ")} exited (${signal ?? `code ${code}`}) before listening:\n${output}`));
    });
    listen((url, message) => {
      clearTimeout(timer);
      resolve({ child, url, message, output: () => output, stop });
    });
  });
}
