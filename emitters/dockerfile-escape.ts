import { isImageReference } from "../compiler/image-reference.js";
import { isDebianPackageSpec } from "../compiler/remote-config-strings.js";
import { diagnosticMessage } from "../compiler/diagnostic-messages.js";
import { EmitError } from "./emit-error.js";

/** A character that would end a Dockerfile line (or hide one): such a value cannot be written safely. */
const LINE_BREAKING = /[\u0000-\u0008\u000a-\u001f\u007f\u2028\u2029]/;

/**
 * `value` as a double-quoted word of an `ENV` or `LABEL` instruction. Docker's word processing removes a
 * backslash before `"`, `\` and `$` inside double quotes, and substitutes an unescaped `$NAME` at build
 * time; escaping all three keeps the value byte for byte. The compiler already rejects line breaks in
 * every value it reads; this refuses them again so no emitted line can be split into two instructions.
 */
export function dockerfileWord(value: string, what: string): string {
  if (LINE_BREAKING.test(value)) throw new EmitError(diagnosticMessage("CH1452", "lineBreak", what));
  return `"${value.replace(/["\\$]/g, "\\$&")}"`;
}

/**
 * A shell command as the JSON exec form `["/bin/sh", "-c", "…"]`: the command stays one JSON string, so no
 * newline, trailing backslash (a Dockerfile line continuation) or quote can end the instruction early.
 */
export function dockerfileShellCommand(command: string, what: string): string {
  if (LINE_BREAKING.test(command)) throw new EmitError(diagnosticMessage("CH1452", "lineBreak", what));
  return JSON.stringify(["/bin/sh", "-c", command]);
}

/** An apt package spec, re-checked against the Debian rule: written bare after `apt-get install`. */
export function aptPackageWord(spec: string, what: string): string {
  if (!isDebianPackageSpec(spec)) throw new EmitError(diagnosticMessage("CH1452", "notDebianPackage", what, JSON.stringify(spec)));
  return spec;
}

/** The `FROM` reference, re-checked against the image reference grammar. */
export function dockerfileImage(reference: string, what: string): string {
  if (!isImageReference(reference)) throw new EmitError(diagnosticMessage("CH1452", "notImageReference", what, JSON.stringify(reference)));
  return reference;
}
