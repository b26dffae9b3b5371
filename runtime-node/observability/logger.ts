import { pino, type Logger } from "pino";
import type { Redact } from "../errors/error-envelope.js";
import { accessLineWriter, AccessRecord, INFO_LEVEL, isoTime } from "./access-log.js";

/** A logger, the access log beside it, and a way to write out what they have buffered. */
export interface ChainletLogger {
  logger: Logger;
  /** Logs one answered call (an info line), serialised when its batch is written. */
  access(record: AccessRecord): void;
  /** Writes every line logged so far (the drain calls it last). */
  flush(): void;
}

/** Lines are written to stdout in batches of about this many bytes (a `write(2)` to a pipe wakes its reader: fewer, larger writes cost less per line)... */
const BATCH_BYTES = 16_384;
/** ...or this long after the first line of a batch, whichever comes first. */
const BATCH_MS = 100;
/** What an access line weighs, counted towards `BATCH_BYTES` before it is serialised. */
const ACCESS_LINE_BYTES = 200;

let stdout: ReturnType<typeof pino.destination> | undefined;

/** One logger's batch of stdout lines: pino's lines as written, access records as logged, in order. */
class StdoutBatch {
  private pending: Array<string | AccessRecord> = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly accessLine: (record: AccessRecord) => string,
    private readonly redact: Redact,
  ) {
    stdout ??= pino.destination({ dest: 1, sync: true });
    process.on("exit", () => this.flush());
  }

  push(entry: string | AccessRecord, bytes: number): void {
    this.pending.push(entry);
    this.bytes += bytes;
    if (this.bytes >= BATCH_BYTES) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), BATCH_MS);
      this.timer.unref();
    }
  }

  /** One serialisation, one redaction and one synchronous `write(2)` for the whole batch. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    let text = "";
    for (const entry of this.pending) text += typeof entry === "string" ? entry : this.accessLine(entry);
    this.pending = [];
    this.bytes = 0;
    stdout!.write(this.redact(text));
  }
}

/**
 * The Chainlet's JSON-lines logger. Every line passes through `redact` before it is written, so a
 * secret or token that ends up in a message (an error's text, say) never reaches the log.
 *
 * Lines go to stdout in batches, one `write(2)` per 16 KB or per 100 ms when traffic is light, and
 * are written on exit however the process exits short of SIGKILL; writes stay synchronous (in order,
 * and a slow reader slows the logger instead of filling memory). A synchronous write per request,
 * which under `chains serve` also wakes the reading process for every line, was the largest single
 * cost of a hop. Access records are kept as objects until their batch is written, and the batch is
 * redacted once. A `destination` (tests) receives each line, redacted, as it is logged.
 */
export function createLogger(
  chainlet: string,
  level: string,
  redact: Redact,
  destination?: { write(line: string): void },
  buildId?: string,
): ChainletLogger {
  const base = buildId ? { chainlet, buildId } : { chainlet };
  const accessLine = accessLineWriter(`,${JSON.stringify(base).slice(1, -1)}`);
  const options: pino.LoggerOptions = { level, base, timestamp: () => `,"time":"${isoTime(Date.now())}"` };
  if (destination) {
    const logger = pino({ ...options, hooks: { streamWrite: redact } }, { write: (line: string) => destination.write(line) });
    return {
      logger,
      access: (record) => {
        if (logger.levelVal <= INFO_LEVEL) destination.write(redact(accessLine(record)));
      },
      flush: () => undefined,
    };
  }
  const batch = new StdoutBatch(accessLine, redact);
  const logger = pino(options, { write: (line: string) => batch.push(line, line.length) });
  return {
    logger,
    access: (record) => {
      if (logger.levelVal <= INFO_LEVEL) batch.push(record, ACCESS_LINE_BYTES);
    },
    flush: () => batch.flush(),
  };
}
