// Bundled by fan-out-calls.test.ts and run as a child process: eight concurrent calls with a 600 s
// timeout, then everything closed. The process must then exit by itself: no timer may outlive the calls.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Transport } from "../../runtime-node/transport/transport.js";

const server = createServer((req, res) => {
  req.resume();
  req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end('"ok"'));
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const transport = new Transport();
const endpoint = transport.endpoint("shard", `http://127.0.0.1:${(server.address() as AddressInfo).port}`, { timeoutSec: 600 });
const answers = await Promise.all(Array.from({ length: 8 }, () => endpoint.call({})));
await transport.close();
server.close();
process.stdout.write(`${JSON.stringify(answers)}\n`);
