import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { InvalidArgumentError, type Command } from "commander";
import { formatDiagnostics } from "../compiler/diagnostics.js";
import { buildChain } from "../api/build-chain.js";
import { exampleValue } from "./example-value.js";
import { serveWithDashboard, type ServedWithDashboard } from "./dashboard/serve-with-dashboard.js";
import { describeExit, type ChainletLogLine, type ServedChain } from "../api/serve-chain.js";
import { JSON_TYPE, RUN_REMOTE_PATH } from "../runtime-node/protocol/http.js";

interface ServeFlags {
  port?: number;
  apiKey?: string[];
  out?: string;
}

/** `chains serve <entry.ts | chain dir>`: build if needed, run every Chainlet locally, stop on Ctrl-C. */
export function registerServeCommand(program: Command): void {
  program
    .command("serve")
    .description("run the whole chain as local processes on 127.0.0.1")
    .argument("<target>", "chain entry file (.ts) or a built chain folder (holding chain.json)")
    .option("-p, --port <port>", "port of the entrypoint (default: any free port)", parsePort)
    .option("--api-key <key...>", "require one of these bearer keys from callers of the entrypoint")
    .option("--out <dir>", "where to build a .ts entry (default: a temporary folder, removed on exit)")
    .action(async (target: string, flags: ServeFlags) => {
      process.exitCode = await serveCommand(target, flags);
    });
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError("expected a port from 0 to 65535");
  return port;
}

async function serveCommand(target: string, flags: ServeFlags): Promise<number> {
  let chainDir: string;
  let tempOut: string | undefined;
  if (target.endsWith(".ts") || target.endsWith(".mts")) {
    const outDir = flags.out ? resolve(flags.out) : (tempOut = mkdtempSync(join(tmpdir(), "tschains-serve-")));
    const result = await buildChain(resolve(target), { outDir });
    if (!result.ok) {
      process.stderr.write(formatDiagnostics(result.diagnostics, { cwd: process.cwd(), color: process.stderr.isTTY }));
      if (tempOut) rmSync(tempOut, { recursive: true, force: true });
      return 1;
    }
    chainDir = result.chainDir;
  } else {
    const found = findChainDir(resolve(target));
    if (!found) {
      process.stderr.write(`error: ${target} is neither a .ts entry file nor a folder holding a built chain (chain.json)\n`);
      return 1;
    }
    chainDir = found;
  }

  const paint = colorizer(process.stdout.isTTY);
  let served: ServedChain | undefined;
  let withDashboard: ServedWithDashboard | undefined;
  let exitCode: number | undefined;
  let finish: (code: number) => void = () => {};
  const done = new Promise<number>((resolveDone) => (finish = resolveDone));
  const cleanUp = () => {
    if (tempOut) rmSync(tempOut, { recursive: true, force: true });
  };
  const shutdown = async (code: number) => {
    if (exitCode !== undefined) return;
    exitCode = code;
    process.stdout.write("\nStopping the chain…\n");
    await (withDashboard?.stop() ?? served?.stop());
    cleanUp();
    finish(code);
  };

  try {
    withDashboard = await serveWithDashboard({
      chainDir,
      port: flags.port,
      apiKeys: flags.apiKey,
      onLog: (line) => process.stdout.write(formatLogLine(line, paint) + "\n"),
      onExit: ({ chainlet, code, signal }) => {
        process.stderr.write(`${paint("91", "✖")} Chainlet "${chainlet}" stopped unexpectedly (${describeExit(code, signal)}); see its last log lines above.\n`);
        if (chainlet === served?.ir.entrypoint) void shutdown(1);
      },
    });
    served = withDashboard.served;
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    cleanUp();
    return 1;
  }

  const { ir, url, chainlets } = served;
  const entry = ir.chainlets.find((c) => c.name === ir.entrypoint)!;
  const body = JSON.stringify(exampleValue(entry.schemas.input));
  const auth = flags.apiKey?.length ? ` -H 'authorization: Bearer ${flags.apiKey[0]}'` : "";
  process.stdout.write(
    `\n${paint("92", "✔")} Chain "${ir.displayName}" is ready: ${paint("1", url)} (entrypoint ${entry.name})\n` +
      Object.values(chainlets).map((c) => `    ${c.name.padEnd(24)} ${c.url}  pid ${c.pid}\n`).join("") +
      `\nDashboard (graph, traces, API explorer): ${paint("1", withDashboard.dashboard.url)}\n` +
      `\nTry it:\n  curl -s ${url}${RUN_REMOTE_PATH} -H 'content-type: ${JSON_TYPE}'${auth} -d '${body.replace(/'/g, "'\\''")}'\n\n` +
      `Press Ctrl-C to stop.\n`,
  );
  process.once("SIGINT", () => void shutdown(0));
  process.once("SIGTERM", () => void shutdown(0));
  return done;
}

/** A chain folder is one holding chain.json; an output folder holding exactly one chain also works. */
function findChainDir(dir: string): string | undefined {
  if (existsSync(join(dir, "chain.json"))) return dir;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return undefined;
  const chains = readdirSync(dir).filter((d) => existsSync(join(dir, d, "chain.json")));
  return chains.length === 1 ? join(dir, chains[0]) : undefined;
}

type Paint = (code: string, text: string) => string;

function colorizer(enabled: boolean): Paint {
  return (code, text) => (enabled ? `\u001b[${code}m${text}\u001b[0m` : text);
}

const LEVELS: Record<number, [string, string]> = {
  10: ["trace", "90"],
  20: ["debug", "90"],
  30: ["info", "36"],
  40: ["warn", "93"],
  50: ["error", "91"],
  60: ["fatal", "91"],
};

/** `say-hello │ info  request completed status=200 ms=1.2`: pino's JSON made readable, prefixed by Chainlet. */
function formatLogLine({ chainlet, line }: ChainletLogLine, paint: Paint): string {
  const prefix = paint("35", chainlet.padEnd(18)) + " │ ";
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return prefix + line;
  }
  if (typeof record !== "object" || record === null) return prefix + line;
  const { level, msg, time, pid, hostname, chainlet: _chainlet, ...rest } = record;
  const [name, color] = LEVELS[level as number] ?? ["log", "37"];
  const fields = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
  return `${prefix}${paint(color, name.padEnd(5))} ${msg ?? ""}${fields ? " " + paint("90", fields) : ""}`;
}
