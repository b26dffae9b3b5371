import { pino, type Logger } from "pino";
import type { Redact } from "./error-envelope.js";

/**
 * The Chainlet's JSON-lines logger. Every line passes through `redact` before it is written, so a
 * secret or token that ends up in a message (an error's text, say) never reaches the log.
 */
export function createLogger(chainlet: string, level: string, redact: Redact, destination?: { write(line: string): void }): Logger {
  return pino(
    {
      level,
      base: { chainlet },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: { streamWrite: redact },
    },
    (destination as pino.DestinationStream | undefined) ?? pino.destination({ dest: 1, sync: true }),
  );
}
