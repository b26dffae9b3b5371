import type { DiagnosticCode, DiagnosticMessage } from "../compiler/diagnostic-messages.js";

/**
 * A build-time failure of an emitter. Codes are `CH14xx` (in compiler/diagnostic-messages.ts and the
 * README); the message names the Chainlet and the artifact so the user knows what could not be produced.
 */
export class EmitError extends Error {
  override name = "EmitError";
  readonly code: DiagnosticCode;
  constructor(diagnostic: DiagnosticMessage, options?: { cause?: unknown }) {
    super(`${diagnostic.code}: ${diagnostic.message}`, options);
    this.code = diagnostic.code;
  }
}
