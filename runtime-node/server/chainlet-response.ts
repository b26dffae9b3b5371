import { ServerResponse, type IncomingMessage } from "node:http";

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
