import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Child-process entry of the raw binary baseline: node:http echoing an `application/octet-stream`
 * body byte for byte, the least any server can do to move an array through one hop.
 */
const server = createServer((req, res) => {
  if (req.method === "GET") {
    res.end("ok");
    return;
  }
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": body.length }).end(body);
  });
});
server.listen(0, "127.0.0.1", () => {
  process.send?.({ type: "listening", url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
});
process.on("SIGTERM", () => process.exit(0));
