import { pino, type Logger } from "pino";
import type { Redact } from "../errors/error-envelope.js";

/** A logger and a way to write out what it has buffered. */
export interface ChainletLogger {
  logger: Logger;
  /** Writes every line logged so far (the drain calls it last). */
  flush(): void;
}

/** Lines are written to stdout in batches of about this many bytes... */
const BATCH_BYTES = 4096;
/** ...or this long after the first line of a batch, whichever comes first. */
const BATCH_MS = 100;

interface LineSink {
  write(line: string): void;
  flush(): void;
}

let stdoutSink: LineSink | undefined;

/**
 * Process-wide batched stdout: one `write(2)` per 4 KB of lines, or per 100 ms when traffic is light.
 * Writes stay synchronous (in order, and a slow reader slows the logger instead of filling memory);
 * what is buffered is written on exit, however the process exits short of SIGKILL.
 */
function batchedStdout(): LineSink {
  if (stdoutSink) return stdoutSink;
  const stdout = pino.destination({ dest: 1, sync: true, minLength: BATCH_BYTES });
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    stdout.flushSync();
  };
  process.on("exit", flush);
  stdoutSink = {
    write(line) {
      stdout.write(line);
      if (!timer) {
        timer = setTimeout(flush, BATCH_MS);
        timer.unref();
      }
    },
    flush,
  };
  return stdoutSink;
}

/**
 * The Chainlet's JSON-lines logger. Every line passes through `redact` before it is written, so a
 * secret or token that ends up in a message (an error's text, say) never reaches the log.
 *
 * Lines go to stdout in batches (see `batchedStdout`): a synchronous write per request, which under
 * `chains serve` also wakes the reading process for every line, was the largest single cost of a
 * hop. A `destination` (tests) receives each line as it is logged.
 */
export function createLogger(
  chainlet: string,
  level: string,
  redact: Redact,
  destination?: { write(line: string): void },
  buildId?: string,
): ChainletLogger {
  const options: pino.LoggerOptions = { level, base: buildId ? { chainlet, buildId } : { chainlet }, timestamp: pino.stdTimeFunctions.isoTime, hooks: { streamWrite: redact } };
  const sink = destination ? { write: (line: string) => destination.write(line), flush: () => undefined } : batchedStdout();
  return { logger: pino(options, sink), flush: sink.flush };
}
