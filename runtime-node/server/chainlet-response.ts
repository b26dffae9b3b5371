import { ServerResponse, type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import type { CallerGoneListener } from "../observability/request-context.js";
import { REQUEST_ID_HEADER } from "../protocol/http.js";

/**
 * The servers' response class: it carries what the access log needs about its request in fixed
 * fields and calls `onClosed` when the answer closes (sent, or the client went away), so a request
 * costs no `close` listener and no closure of its own.
 */
export class ChainletResponse<Request extends IncomingMessage = IncomingMessage> extends ServerResponse<Request> {
  /** `performance.now()` when the request arrived. */
  started = 0;
  /** The route as counted and logged: a path of the route table, or "unknown". */
  route = "";
  requestId = "";
  /** Called once, when the answer closes. */
  onClosed: ((res: ChainletResponse) => void) | undefined = undefined;
  /** The dependency calls made for this request and still in flight, cancelled if the caller goes away (`whenCallerGone`). */
  callsInFlight: Set<CallerGoneListener> | undefined = undefined;

  /**
   * Writes the status line and `headers` (a fresh object the caller gives up) with the request id
   * added, in one `writeHead`: a `setHeader` before it would make Node merge the two header sets on
   * its slow path on every answer.
   */
  head(status: number, headers: OutgoingHttpHeaders): this {
    if (this.requestId !== "") headers[REQUEST_ID_HEADER] = this.requestId;
    return this.writeHead(status, headers);
  }

  override emit(event: string | symbol): boolean {
    if (event === "close" && this.onClosed) {
      const onClosed = this.onClosed;
      this.onClosed = undefined;
      onClosed(this as ChainletResponse);
    }
    // `arguments` passes every argument on without a rest array and a spread per event.
    // eslint-disable-next-line prefer-rest-params
    return super.emit.apply(this, arguments as unknown as Parameters<ServerResponse["emit"]>);
  }
}
