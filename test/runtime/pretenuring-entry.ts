// Bundled by pretenuring.test.ts with esbuild and run as a child process with --trace-pretenuring-statistics:
// V8 prints a "pretenuring:" line at each scavenge while allocation-site pretenuring is on.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Transport } from "../../runtime-node/transport/transport.js";

/** Objects from one literal site of which two thirds live past a scavenge: the statistics have a site to report. */
function churn(): number {
  let kept: { i: number; a: number[] }[] = [];
  for (let i = 0; i < 300_000; i++) {
    const each = { i, a: [i] };
    if (i % 3) kept.push(each);
    if (kept.length > 20_000) kept = [];
  }
  return kept.length;
}

const server = createServer((req, res) => {
  req.resume();
  req.once("end", () => res.writeHead(200, { "content-type": "application/json" }).end('"ok"'));
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

churn();
process.stdout.write("BEFORE-CALLS\n");
const transport = new Transport({ retryBaseMs: 5, maxAnswerBytes: 1024 });
const endpoint = transport.endpoint("peer", url);
for (let i = 0; i < 20; i++) await endpoint.call({ i });
process.stdout.write("CALLED\n");
churn();
process.stdout.write("DONE\n");
await transport.close();
server.close();
