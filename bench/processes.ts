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
 * How every measured service process is spawned: in a session of its own (`detached`), as `chains
 * serve` spawns each Chainlet. On Linux a session is also a scheduler autogroup, and a hop between
 * processes of different autogroups is slower than within one (measured: tschains at one connection
 * 0.45× the hand-written pair with its Chainlets in their own sessions and the baseline in the
 * benchmark's, 0.81× with both in the benchmark's; see bench/README.md, "Issue 15"): every variant
 * runs the same way, so that the ratios compare the code and not the scheduling.
 */
const SERVICE_SPAWN = { detached: true } as const;

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
    ...SERVICE_SPAWN,
  });
  return supervise(child, args, options.timeoutMs, (ready) => {
    child.on("message", (message: { type?: string; url?: string }) => {
      if (message?.type === options.listeningType && typeof message.url === "string") ready(message.url, message);
    });
  });
}

/** A process that is not Node (a Python peer): spawned like `spawnListening`, it announces `listening <url>` on stdout. */
export function spawnPrinting(command: string, args: string[], timeoutMs?: number): Promise<ListeningProcess> {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...SERVICE_SPAWN });
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
  // In a session of its own, a Ctrl-C of the benchmark does not reach it: it is stopped when this
  // process exits (SIGTERM, so that a serve host stops its Chainlets in turn).
  const orphanGuard = () => child.kill("SIGTERM");
  process.once("exit", orphanGuard);
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      process.off("exit", orphanGuard);
      resolve();
    }),
  );
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

/** How a {@link runToExit} process ended: its messages went to `onMessage`; `how` and the end of its stderr say why it stopped. */
export interface Exited {
  how: string;
  stderr: string;
}

/**
 * Runs `node <args>` to its end with an IPC channel (a build, one benchmark): each message it sends
 * goes to `onMessage`, its stdout to ours, and the last 8,000 characters of its stderr are kept for
 * the error a caller reports when it ends without the message it owed.
 */
export function runToExit(args: string[], onMessage: (message: unknown) => void, serialization: "json" | "advanced" = "json"): Promise<Exited> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "inherit", "pipe", "ipc"], serialization });
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString("utf8")).slice(-8000)));
    child.on("message", onMessage);
    child.once("error", (error) => resolve({ how: `could not start: ${error.message}`, stderr }));
    child.once("close", (code, signal) => resolve({ how: `exited (${signal ?? `code ${code}`})`, stderr }));
  });
}
