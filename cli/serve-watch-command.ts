import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { formatDiagnostics } from "../compiler/diagnostics.js";
import { colorizer, formatLogLine, readyBanner, type Paint } from "./serve-output.js";
import { describeExit } from "../api/serve-chain.js";
import { serveStateOf, writeServeState } from "./serve-state.js";
import { WatchStartError, type ReloadEvent, type WatchedChain } from "../api/serve-watch.js";
import { watchWithDashboard, type WatchedWithDashboard } from "./dashboard/serve-with-dashboard.js";

/** `chains serve --watch <entry.ts>`: serve, then reload on every save until Ctrl-C. */
export async function serveWatchCommand(target: string, flags: { port?: number; apiKey?: string[]; out?: string; entrypoint?: string }): Promise<number> {
  if (!/\.(m|c)?tsx?$/.test(target)) {
    process.stderr.write(`error: --watch needs the chain's entry file (.ts), got ${target}\n`);
    return 1;
  }
  if (flags.out) {
    process.stderr.write("error: --watch builds into a private temporary folder; use chains build --out for a build output\n");
    return 1;
  }
  const entry = resolve(target);
  const paint = colorizer(process.stdout.isTTY);
  let chain: WatchedChain;
  let withDashboard: WatchedWithDashboard;
  try {
    withDashboard = await watchWithDashboard({
      entry,
      entrypoint: flags.entrypoint,
      workDir: mkdtempSync(join(tmpdir(), "tschains-watch-")),
      port: flags.port,
      apiKeys: flags.apiKey,
      onLog: (line) => process.stdout.write(formatLogLine(line, paint) + "\n"),
      onExit: ({ chainlet, code, signal }) =>
        process.stderr.write(`${paint("91", "✖")} Chainlet "${chainlet}" stopped unexpectedly (${describeExit(code, signal)}); the next save restarts it.\n`),
      onReload: (event) => {
        process.stdout.write(describeReload(event, paint));
        if (event.kind === "reloaded") record();
      },
    });
    chain = withDashboard.watched;
  } catch (error) {
    const diagnostics = error instanceof WatchStartError ? error.diagnostics : [];
    if (diagnostics.length > 0) process.stderr.write(formatDiagnostics(diagnostics, { cwd: process.cwd(), color: process.stderr.isTTY }));
    process.stderr.write(`error: ${(error as Error).message}\n`);
    return 1;
  }
  if (chain.diagnostics.length > 0) process.stderr.write(formatDiagnostics(chain.diagnostics, { cwd: process.cwd(), color: process.stderr.isTTY }));
  // Rewritten after each reload: Chainlets come and go, example bodies follow the input schemas.
  const record = () => writeServeState(serveStateOf(entry, chain, flags.apiKey));
  const removeState = record();
  process.stdout.write(readyBanner(chain, flags.apiKey, paint, withDashboard.dashboard.url).replace("Press Ctrl-C", "Watching for changes. Press Ctrl-C"));
  return new Promise<number>((done) => {
    const shutdown = () => {
      process.stdout.write("\nStopping the chain…\n");
      removeState();
      void withDashboard.stop().then(() => done(0));
    };
    process.once("SIGINT", shutdown);
    process.once("SIGTERM", shutdown);
  });
}

/**
 * The one line per reload (plus diagnostics when the build failed):
 * `↻ chain.ts changed: restarted say-hello (412 ms: build 230 ms)`.
 */
export function describeReload(event: ReloadEvent, paint: Paint): string {
  const files = event.files.map((f) => relative(process.cwd(), f) || f).join(", ");
  const ms = event.kind === "reloaded" ? `${Math.round(event.ms)} ms: build ${Math.round(event.buildMs)} ms` : `${Math.round(event.ms)} ms`;
  if (event.kind === "build-failed") {
    const details = event.message ?? formatDiagnostics(event.diagnostics, { cwd: process.cwd(), color: process.stdout.isTTY }).trimEnd();
    return `${details}\n${paint("91", "✖")} ${files} changed: not reloaded, the last good build keeps serving (${ms})\n`;
  }
  const parts = [
    event.restarted.length > 0 ? `restarted ${event.restarted.join(", ")}` : "",
    event.added.length > 0 ? `started ${event.added.join(", ")}` : "",
    event.removed.length > 0 ? `stopped ${event.removed.join(", ")}` : "",
  ].filter(Boolean);
  const failures = event.failed.map((f) => `${paint("91", "✖")} ${f.reason}\n  the previous process of "${f.chainlet}" keeps serving\n`).join("");
  return `${failures}${paint(event.failed.length > 0 ? "93" : "92", "↻")} ${files} changed: ${parts.join("; ") || "no Chainlet changed"} (${ms})\n`;
}
