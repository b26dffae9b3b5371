import { isAbsolute } from "node:path";
import npa from "npm-package-arg";
import type { Node } from "ts-morph";
import type { RemoteConfig } from "../runtime-node/authoring/remote-config.js";
import { ENV, secretEnvName } from "../runtime-node/protocol/env.js";
import { diagnosticMessage, type DiagnosticMessage } from "./diagnostic-messages.js";
import type { Diagnostic } from "./diagnostics.js";
import { isImageReference } from "./image-reference.js";
import { nodeDiagnostic } from "./node-diagnostic.js";

/** Where each value (by JSON pointer) and each object key of the `remoteConfig` literal is written. */
export interface LiteralLocations {
  values: Map<string, Node>;
  keys: Map<string, Node>;
}

/**
 * Debian package name (Debian Policy 5.6.1: lowercase letters, digits, `+ - .`, at least two characters,
 * starting with a letter or digit), an optional `:architecture`, and an optional `=version` (Policy 5.6.12:
 * `[epoch:]upstream[-revision]`). Nothing else reaches `apt-get install`: no options, no shell syntax.
 */
const APT_PACKAGE = /^[a-z0-9][a-z0-9+.-]+(?::[a-z0-9-]+)?(?:=(?:[0-9]+:)?[0-9][A-Za-z0-9.+~-]*(?::[A-Za-z0-9.+~-]+)*)?$/;

/** Secret keys become file names (Kubernetes volume items) and variable names: a letter, then `[A-Za-z0-9_]`. */
export const SECRET_KEY_PATTERN = /^[A-Za-z][A-Za-z0-9_]*$/;
export const SECRET_KEY_MAX = 63;

/**
 * Variables the runtime, the image or the orchestrator set themselves: a Chainlet's `options.env` may not
 * override them. `CHAINS_*` covers the token, the API keys, the dependency map, the limits and every
 * `CHAINS_SECRET_*`. `OTEL_*` and `LOG_LEVEL` stay the user's: they tune, they do not rewire.
 */
const RESERVED_ENV = new Set<string>([ENV.port, ENV.host, "NODE_ENV", "NODE_OPTIONS"]);
const RESERVED_ENV_PREFIX = "CHAINS_";

/** C0 controls, DEL and the Unicode line separators: each can end a line of a Dockerfile or YAML scalar. */
const CONTROL = /[\u0000-\u001f\u007f\u2028\u2029]/;
/** The same, but a tab is fine inside an environment value. */
const CONTROL_BUT_TAB = /[\u0000-\u0008\u000a-\u001f\u007f\u2028\u2029]/;

/** Whether `spec` is a Debian package name with optional architecture and version (see `APT_PACKAGE`). */
export function isDebianPackageSpec(spec: string): boolean {
  return APT_PACKAGE.test(spec);
}

/** Whether `name` is one the runtime reserves (see `RESERVED_ENV`). */
export function isReservedEnvName(name: string): boolean {
  return RESERVED_ENV.has(name) || name.startsWith(RESERVED_ENV_PREFIX);
}

/**
 * Checks each string of a schema-valid `remoteConfig` for what it is (an image reference, Debian and npm
 * package specs, one-line shell commands, safe variable and secret names, a relative data folder), so
 * nothing the author did not mean reaches a Dockerfile, a manifest or the file system. Emitters still
 * escape every value for where it goes; this turns hostile or mistaken input into a located diagnostic.
 */
export function checkRemoteConfigStrings(config: RemoteConfig, at: LiteralLocations, root: Node): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const report = (pointer: string, message: DiagnosticMessage, key = false) =>
    diagnostics.push(nodeDiagnostic((key ? at.keys : at.values).get(pointer) ?? at.values.get(pointer) ?? root, message));
  const image = config.dockerImage ?? {};

  if (image.baseImage !== undefined && !isImageReference(image.baseImage)) {
    report("/dockerImage/baseImage", diagnosticMessage("CH1220", "notImageReference", quote(image.baseImage)));
  }
  (image.aptRequirements ?? []).forEach((entry, index) => {
    if (isDebianPackageSpec(entry)) return;
    report(`/dockerImage/aptRequirements/${index}`, diagnosticMessage("CH1221", "notDebianPackage", index, quote(entry)));
  });
  (image.npmRequirements ?? []).forEach((entry, index) => {
    const problem = npmSpecProblem(entry);
    if (problem === undefined) return;
    report(`/dockerImage/npmRequirements/${index}`, diagnosticMessage("CH1222", "notRegistryPackage", index, quote(entry), problem));
  });
  (image.buildCommands ?? []).forEach((entry, index) => {
    if (!CONTROL.test(entry) && entry.trim() !== "") return;
    report(`/dockerImage/buildCommands/${index}`, diagnosticMessage("CH1223", "notOneCommand", index, quote(entry)));
  });
  if (image.dataDir !== undefined && (isAbsolute(image.dataDir) || /^[a-zA-Z]:/.test(image.dataDir) || CONTROL.test(image.dataDir))) {
    report("/dockerImage/dataDir", diagnosticMessage("CH1226", "notRelative", quote(image.dataDir)));
  }
  for (const [name, value] of Object.entries(config.options?.env ?? {})) {
    const pointer = `/options/env/${name.replace(/~/g, "~0").replace(/\//g, "~1")}`;
    if (isReservedEnvName(name)) {
      report(pointer, diagnosticMessage("CH1224", "reserved", name), true);
    } else if (typeof value === "string" && CONTROL_BUT_TAB.test(value)) {
      report(pointer, diagnosticMessage("CH1224", "controlCharacters", name, quote(value)));
    }
  }
  checkSecretKeys(config.assets?.secretKeys ?? [], report);
  return diagnostics;
}

function checkSecretKeys(keys: readonly string[], report: (pointer: string, message: DiagnosticMessage) => void): void {
  const byVariable = new Map<string, string>();
  keys.forEach((key, index) => {
    const pointer = `/assets/secretKeys/${index}`;
    if (!SECRET_KEY_PATTERN.test(key) || key.length > SECRET_KEY_MAX) {
      report(pointer, diagnosticMessage("CH1225", "invalidKey", index, SECRET_KEY_MAX, quote(key)));
      return;
    }
    const variable = secretEnvName(key);
    const earlier = byVariable.get(variable);
    if (earlier !== undefined) {
      report(pointer, diagnosticMessage("CH1225", "collision", quote(key), quote(earlier), variable));
      return;
    }
    byVariable.set(variable, key);
  });
}

/** Why `spec` is not a plain registry package spec, or undefined when it is one. */
function npmSpecProblem(spec: string): string | undefined {
  if (CONTROL.test(spec)) return "it contains control characters";
  let parsed: ReturnType<typeof npa>;
  try {
    parsed = npa(spec);
  } catch (error) {
    return (error as Error).message.replace(/\.$/, "");
  }
  if (!parsed.name || !["version", "range", "tag"].includes(parsed.type)) {
    return `a ${parsed.type} spec; only packages from the registry are installed in the image`;
  }
  return undefined;
}

/** A value quoted for a one-line message: JSON escapes make newlines and controls visible. */
function quote(value: string): string {
  const json = JSON.stringify(value);
  return json.length > 80 ? `${json.slice(0, 77)}..."` : json;
}
