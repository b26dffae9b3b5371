import { serveChain } from "../api/serve-chain.js";

/**
 * Child-process entry that serves a built chain with `serveChain`, as the `chains serve` command
 * does, and reports `{ url, pids }` over IPC. The benchmarks run it apart from the load generator so
 * that reading the Chainlets' log lines costs the serve process, as it does for a real
 * `chains serve`, instead of slowing the process that measures.
 */
async function main(): Promise<void> {
  const chainDir = process.argv[2];
  if (!chainDir) throw new Error("usage: serve-host <chainDir>");
  const served = await serveChain({ chainDir, readyTimeoutMs: 20_000 });
  process.send?.({ type: "serving", url: served.url, pids: Object.values(served.chainlets).map((c) => c.pid) });
  const stop = () => {
    served.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGTERM", stop);
  process.once("disconnect", stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
