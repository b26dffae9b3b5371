import type { Logger, LoggerOptions } from "pino";
import type { Redact } from "../errors/error-envelope.js";
import { accessLineWriter, AccessRecord, INFO_LEVEL, isoTime } from "./access-log.js";

/** One of pino's call shapes the runtime logs with: `(message)` or `(fields, message)`. */
export type LogFn = (fieldsOrMessage: object | string, message?: string) => void;

/** The levels the runtime logs at, each with pino's call shape. */
export interface RuntimeLogger {
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

type Level = keyof RuntimeLogger;

/** A logger, the access log beside it, and a way to write out what they have buffered. */
export interface ChainletLogger {
  logger: RuntimeLogger;
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
/** What a line logged before pino is loaded weighs besides its message. */
const DEFERRED_LINE_BYTES = 100;

type Pino = typeof import("pino");

let pinoModule: Pino | undefined;

/**
 * pino, evaluated on first use. Evaluating it (and what its index requires for transports the
 * runtime never uses: thread-stream, worker_threads, assert) was the largest part of a start after
 * the listen. `require`, not `import`: in the bundled runtime esbuild turns `require` of a bundled
 * CommonJS package into a call that evaluates it there and then (synchronously, so a batch is written
 * even from an `exit` handler); in the sources, run by vitest, Node's `require` does the same.
 */
function loadPino(): Pino {
  return (pinoModule ??= require("pino") as Pino);
}

/** pino's level names and numbers, from its constants module alone (it requires nothing). */
function pinoLevels(): Record<string, number> {
  return (require("pino/lib/constants") as { DEFAULT_LEVELS: Record<string, number> }).DEFAULT_LEVELS;
}

let stdout: { write(text: string): void } | undefined;

/** A line logged before pino was loaded: formatted by pino when its batch is written, with the time it was logged. */
class DeferredLine {
  constructor(
    readonly level: Level,
    readonly time: number,
    readonly fieldsOrMessage: object | string,
    readonly message: string | undefined,
  ) {}
}

/**
 * One logger's batch of stdout lines, in the order logged: pino's lines as written (or as logged,
 * until pino is loaded at the first write), access records as logged.
 */
class StdoutBatch {
  private pending: Array<string | AccessRecord | DeferredLine> = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The logger, once the first batch has been written. */
  loaded: Logger | undefined;
  /** While a deferred line is formatted: its time, and the text pino wrote for it. */
  private replaying: { time: number; text: string } | undefined;

  constructor(
    private readonly options: LoggerOptions,
    private readonly accessLine: (record: AccessRecord) => string,
    private readonly redact: Redact,
  ) {
    process.on("exit", () => this.flush());
  }

  /** pino's `timestamp`: the time a deferred line was logged, else now. */
  readonly timestamp = (): string => `,"time":"${isoTime(this.replaying?.time ?? Date.now())}"`;

  push(entry: string | AccessRecord | DeferredLine, bytes: number): void {
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
    const logger = this.logger();
    const entries = this.pending;
    this.pending = [];
    this.bytes = 0;
    let text = "";
    for (const entry of entries) {
      if (typeof entry === "string") text += entry;
      else if (entry instanceof AccessRecord) text += logger.levelVal <= INFO_LEVEL ? this.accessLine(entry) : "";
      else text += this.format(logger, entry);
    }
    stdout!.write(this.redact(text));
  }

  /** Makes the logger (loading pino): at the first write, or at once for a level pino has to check itself. */
  logger(): Logger {
    if (this.loaded) return this.loaded;
    const { pino } = loadPino();
    stdout ??= pino.destination({ dest: 1, sync: true });
    const logger = pino(this.options, {
      write: (line: string) => {
        if (this.replaying) this.replaying.text += line;
        else this.push(line, line.length);
      },
    });
    return (this.loaded = logger);
  }

  private format(logger: Logger, line: DeferredLine): string {
    this.replaying = { time: line.time, text: "" };
    try {
      callPino(logger, line.level, line.fieldsOrMessage, line.message);
      return this.replaying.text;
    } finally {
      this.replaying = undefined;
    }
  }
}

function callPino(logger: Logger, level: Level, fieldsOrMessage: object | string, message: string | undefined): void {
  if (message === undefined) logger[level](fieldsOrMessage as string);
  else logger[level](fieldsOrMessage, message);
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
 * redacted once. pino is loaded when the first batch is written, after the server is ready: the lines
 * logged before that (the start-up line among them) keep their order and the times they were logged.
 * A `destination` (tests) receives each line, redacted, as it is logged.
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
  if (destination) return destinationLogger({ level, base }, accessLine, redact, destination);
  const options: LoggerOptions = { level, base };
  const batch = new StdoutBatch(options, accessLine, redact);
  options.timestamp = batch.timestamp;
  // Not one of pino's own levels ("silent", or a mistake): pino checks it now, and throws for an
  // unknown one, failing the start as it always did instead of the first write.
  if (!Object.hasOwn(pinoLevels(), level)) batch.logger();
  const at =
    (level: Level): LogFn =>
    (fieldsOrMessage, message) => {
      if (batch.loaded) callPino(batch.loaded, level, fieldsOrMessage, message);
      else batch.push(new DeferredLine(level, Date.now(), fieldsOrMessage, message), DEFERRED_LINE_BYTES + (message ?? String(fieldsOrMessage)).length);
    };
  return {
    logger: { info: at("info"), warn: at("warn"), error: at("error") },
    access: (record) => {
      if (!batch.loaded || batch.loaded.levelVal <= INFO_LEVEL) batch.push(record, ACCESS_LINE_BYTES);
    },
    flush: () => batch.flush(),
  };
}

/** A logger whose every line goes to `destination` as it is logged (tests), pino loaded at once. */
function destinationLogger(
  options: LoggerOptions,
  accessLine: (record: AccessRecord) => string,
  redact: Redact,
  destination: { write(line: string): void },
): ChainletLogger {
  const { pino } = loadPino();
  const timestamp = () => `,"time":"${isoTime(Date.now())}"`;
  const logger = pino({ ...options, timestamp, hooks: { streamWrite: redact } }, { write: (line: string) => destination.write(line) });
  return {
    logger,
    access: (record) => {
      if (logger.levelVal <= INFO_LEVEL) destination.write(redact(accessLine(record)));
    },
    flush: () => undefined,
  };
}
