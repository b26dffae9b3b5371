import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { InvalidArgumentError, type Command } from "commander";
import { formatDiagnostics } from "../compiler/diagnostics.js";
import { buildChain } from "../api/build-chain.js";
import { ENTRYPOINT_ARGUMENT } from "./build-command.js";
import { serveStateOf, writeServeState } from "./serve-state.js";
import { serveWatchCommand } from "./serve-watch-command.js";
import { serveWithDashboard, type ServedWithDashboard } from "./dashboard/serve-with-dashboard.js";
import { describeExit, type ServedChain } from "../api/serve-chain.js";
import { colorizer, formatLogLine, readyBanner } from "./serve-output.js";

interface ServeFlags {
  port?: number;
  apiKey?: string[];
  out?: string;
  entrypoint?: string;
  watch?: boolean;
}

/** `chains serve <entry.ts | chain dir>`: build if needed, run every Chainlet locally, stop on Ctrl-C. */
export function registerServeCommand(program: Command): void {
  program
    .command("serve")
    .description("run the whole chain as local processes on 127.0.0.1")
    .argument("<target>", "chain entry file (.ts) or a built chain folder (holding chain.json)")
    .argument("[entrypoint]", ENTRYPOINT_ARGUMENT)
    .option("-p, --port <port>", "port of the entrypoint (default: any free port)", parsePort)
    .option("--api-key <key...>", "require one of these bearer keys from callers of the entrypoint")
    .option("--out <dir>", "where to build a .ts entry (default: a temporary folder, removed on exit)")
    .option("-w, --watch", "rebuild on every save and restart only the Chainlets that changed (a .ts entry only)")
    .action(async (target: string, entrypoint: string | undefined, flags: ServeFlags) => {
      const options = { ...flags, entrypoint };
      process.exitCode = flags.watch ? await serveWatchCommand(target, options) : await serveCommand(target, options);
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
    const result = await buildChain(resolve(target), { outDir, entrypoint: flags.entrypoint });
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

  const removeState = writeServeState(serveStateOf(target, served, flags.apiKey));
  done.finally(removeState).catch(() => undefined);
  process.stdout.write(readyBanner(served, flags.apiKey, paint, withDashboard.dashboard.url));
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
