import { STATUS_CODES, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { runtimeError, type RequestError } from "../errors/errors.js";
import { ENV } from "../protocol/env.js";
import type { ErrorEnvelope } from "../protocol/error-envelope.js";
import { JSON_TYPE } from "../protocol/http.js";

/** The registry error for what Node's HTTP parser refused before any request handler ran. */
function errorFor(code: string | undefined): RequestError {
  if (code === "ERR_HTTP_REQUEST_TIMEOUT") return runtimeError("CH2114", { headers: ENV.headersTimeoutSec, request: ENV.requestTimeoutSec }) as RequestError;
  if (code === "HPE_HEADER_OVERFLOW") return runtimeError("CH2116", {}) as RequestError;
  return runtimeError("CH2115", { reason: code ?? "unknown" }) as RequestError;
}

/**
 * Answers what Node's parser refuses (a header or body not received in time, a malformed request,
 * headers too large) with a registry error envelope instead of Node's bare status line, then closes
 * the connection, as Node does. A connection whose answer had begun is only closed.
 */
export function answerClientErrors(server: Server, chainlet: string): void {
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    const answering = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
    if (error.code === "ECONNRESET" || !socket.writable || answering?.headersSent) return void socket.destroy();
    const refused = errorFor(error.code);
    const envelope: ErrorEnvelope = { type: refused.name, message: refused.message, chainlet, stack: "", cause: null, code: refused.code };
    const body = JSON.stringify({ error: envelope });
    const head = `HTTP/1.1 ${refused.status} ${STATUS_CODES[refused.status]}\r\ncontent-type: ${JSON_TYPE}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n`;
    socket.end(head + body);
  });
}
