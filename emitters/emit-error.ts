import type { DiagnosticCode, DiagnosticMessage } from "../compiler/diagnostic-messages.js";

/**
 * A build-time failure of an emitter. Codes are `CH14xx` (in compiler/diagnostic-messages.ts and the
 * README); the message names the Chainlet and the artifact so the user knows what could not be produced.
 */
export class EmitError extends Error {
  override name = "EmitError";
  readonly code: DiagnosticCode;
  /** The diagnostic as given, to pass on across a thread. */
  readonly diagnostic: DiagnosticMessage;
  constructor(diagnostic: DiagnosticMessage, options?: { cause?: unknown }) {
    super(`${diagnostic.code}: ${diagnostic.message}`, options);
    this.code = diagnostic.code;
    this.diagnostic = diagnostic;
  }
}
