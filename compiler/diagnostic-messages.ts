/**
 * Every diagnostic the compiler and the emitters report, defined once (in the spirit of TypeScript's
 * `diagnosticMessages.json`): its code, its category and the templates of its messages. A code has one
 * meaning; when one meaning is worded differently depending on what was found, the variants sit under the
 * same code. Call sites name a code and a variant and pass the values ({@link diagnosticMessage}).
 *
 * The README has a table per code range; `test/compiler/diagnostic-registry.test.ts` keeps the two in step
 * and checks that every code is used.
 */

/** The shape every registry of codes shares (a runtime registry adds an HTTP status). */
export interface CodeDefinition {
  category: "error" | "warning";
  /** One template per wording; each turns the values of one occurrence into the message. */
  messages: Record<string, (...args: never[]) => string>;
}

const list = (items: readonly string[]) => items.join(", ");

/** Rejection of a type by the type → JSON Schema converter: same wording for each CH11xx code. */
const rejected = { rejected: (path: string, reason: string, typeText: string) => `${path}: ${reason} (type "${typeText}")` };

export const diagnosticMessages = {
  // Analysis (CH1001–CH1099)
  CH1001: {
    category: "error",
    messages: {
      notFound: (path: string) => `Entry file not found: ${path}`,
      notTypeScript: (path: string) => `Entry file must be a TypeScript source file (.ts, .mts, .tsx): ${path}`,
    },
  },
  CH1002: {
    category: "error",
    messages: { noChainlet: () => 'No Chainlet found: the entry file and its imports declare no class that extends ChainletBase from "tschains".' },
  },
  CH1003: {
    category: "error",
    messages: { missing: (className: string) => `Chainlet ${className} has no runRemote method; every Chainlet defines exactly one public \`runRemote(...)\`.` },
  },
  CH1004: {
    category: "error",
    messages: {
      notMethod: (className: string) => `${className}.runRemote must be a public instance method, e.g. \`async runRemote(x: string): Promise<string> { ... }\`.`,
      static: (className: string) => `${className}.runRemote must be an instance method, not static.`,
      notPublic: (className: string, scope: string) => `${className}.runRemote must be public; it is ${scope}.`,
    },
  },
  CH1005: {
    category: "error",
    messages: {
      untyped: (parameter: string, className: string) =>
        `Parameter '${parameter}' of ${className}.runRemote needs an explicit type annotation: the wire schema is generated from it.`,
    },
  },
  CH1006: {
    category: "error",
    messages: {
      untyped: (className: string) =>
        `${className}.runRemote needs an explicit return type annotation (e.g. \`Promise<string>\`): the output schema is generated from it.`,
    },
  },
  CH1007: {
    category: "error",
    messages: {
      notPlain: () => "runRemote parameters must be plain named parameters (no destructuring or rest): the wire body is an object keyed by parameter names.",
    },
  },
  CH1008: {
    category: "error",
    messages: {
      syncGenerator: (className: string) => `${className}.runRemote is a synchronous generator; stream with \`async *runRemote(...): AsyncGenerator<Item>\`.`,
      promiseOfStream: (className: string) =>
        `${className}.runRemote returns a Promise of a stream; declare \`AsyncIterable<Item>\` (or write an async generator) so callers can stream it.`,
      generatorReturnType: (className: string) =>
        `${className}.runRemote is an async generator, so its return type must be AsyncGenerator<Item> or AsyncIterable<Item>.`,
    },
  },
  CH1009: {
    category: "error",
    messages: { overloaded: (className: string) => `${className}.runRemote cannot be overloaded: the service has one input and one output schema.` },
  },
  CH1010: {
    category: "error",
    messages: {
      notInjected: (parameter: string, className: string) =>
        `Constructor parameter '${parameter}' of ${className} must default to \`depends(Chainlet, options?)\` or \`dependsContext()\`: ` +
        "Chainlets are constructed by tschains, which can supply nothing else.",
    },
  },
  CH1011: {
    category: "error",
    messages: {
      misplaced: (which: "depends" | "dependsContext") =>
        `${which}() may only be the default value of a constructor parameter, e.g. \`constructor(private readonly dep = ${which}(${which === "depends" ? "Other" : ""})) { super(); }\`.`,
    },
  },
  CH1012: {
    category: "error",
    messages: {
      notObjectLiteral: () => "depends() options must be an object literal written in place, e.g. `{ retries: 2, timeoutSec: 10 }`; the compiler does not evaluate expressions.",
      notPlainEntry: () => "depends() options must be plain `key: literal` entries (no spreads, shorthands, methods or computed keys).",
      notLiteral: (key: string, expected: string) => `depends() option '${key}' must be a literal (${expected}); the compiler does not evaluate expressions.`,
    },
  },
  CH1013: {
    category: "error",
    messages: { unknownOption: (key: string, suggestion: string, known: readonly string[]) => `Unknown depends() option '${key}'.${suggestion} Known options: ${list(known)}.` },
  },
  CH1014: {
    category: "error",
    messages: { invalidValue: (key: string, expected: string, got: string) => `depends() option '${key}' must be ${expected}, got ${got}.` },
  },
  CH1015: {
    category: "error",
    messages: {
      notLiteral: () => 'The chain name given to @entrypoint must be a string literal, e.g. @entrypoint("My Chain"); the compiler does not evaluate expressions.',
    },
  },
  CH1016: {
    category: "error",
    messages: { anonymous: () => "A Chainlet class needs a name: write `export default class MyChainlet extends ChainletBase`." },
  },
  CH1017: {
    category: "error",
    messages: { wrongShape: (className: string, problem: string) => `${className}.isHealthy() ${problem}.` },
  },
  CH1018: {
    category: "error",
    messages: {
      generic: (className: string) => `Chainlet ${className} cannot be generic: its wire schema must be known at build time. Extend it with concrete types instead.`,
    },
  },
  CH1019: {
    category: "error",
    messages: { unreadableTsconfig: (path: string, reason: string) => `Cannot use ${path}: ${reason}` },
  },
  CH1020: {
    category: "error",
    messages: {
      inheritedConstructor: (className: string, base: string) =>
        `${className} inherits a constructor with parameters from ${base}; declare its depends()/dependsContext() parameters in ${className}'s own constructor.`,
    },
  },
  CH1021: {
    category: "error",
    messages: {
      legacyDecorators: () =>
        'tschains needs standard (TC39) decorators, but this tsconfig sets "experimentalDecorators": true (legacy decorators). ' +
        "Remove the option (or set it to false); @entrypoint then works as written.",
    },
  },
  CH1099: {
    category: "error",
    messages: { invalidIr: (problems: readonly string[]) => `Internal error: the chain IR does not match chain-ir.schema.json (please report this): ${problems.join("; ")}` },
  },

  // Types → JSON Schema (CH1100–CH1199); the names live in schema/schema-codes.ts
  CH1101: { category: "error", messages: rejected },
  CH1102: { category: "error", messages: rejected },
  CH1103: { category: "error", messages: rejected },
  CH1104: { category: "error", messages: rejected },
  CH1105: { category: "error", messages: rejected },
  CH1106: { category: "error", messages: rejected },
  CH1107: { category: "error", messages: rejected },
  CH1108: { category: "error", messages: rejected },
  CH1109: { category: "error", messages: rejected },
  CH1110: { category: "error", messages: rejected },
  CH1111: { category: "error", messages: rejected },
  CH1112: {
    category: "error",
    messages: { invalidTag: (path: string, tag: string, text: string, reason: string) => `${path}: invalid JSDoc tag @${tag} ${JSON.stringify(text)}: ${reason}` },
  },
  CH1113: { category: "error", messages: rejected },
  CH1114: { category: "error", messages: rejected },

  // remoteConfig (CH1200–CH1299)
  CH1200: {
    category: "error",
    messages: {
      notLiteral: (where: string, found: string) =>
        `${where} must be a literal the compiler can read without running code (objects, arrays, strings, numbers, booleans); found \`${found}\`.`,
    },
  },
  CH1201: {
    category: "error",
    messages: {
      unknownKey: (key: string, path: string, suggestion: string, known: readonly string[]) =>
        `Unknown key '${key}' in ${path}.${suggestion}${known.length > 0 ? ` Known keys: ${list(known)}.` : ""}`,
    },
  },
  CH1202: {
    category: "error",
    messages: { invalidMemory: (path: string, got: string) => `${path} must be a memory quantity with a unit such as "512Mi", "2Gi" or "1G"; got ${got}.` },
  },
  CH1203: {
    category: "error",
    messages: { unknownGpu: (path: string, gpus: readonly string[], got: string, suggestion: string) => `${path} must be one of ${list(gpus)}; got ${got}.${suggestion}` },
  },
  CH1204: {
    category: "error",
    messages: { notPositive: (path: string, expected: string, got: string) => `${path} must be ${expected}; got ${got}.` },
  },
  CH1205: {
    category: "error",
    messages: { invalidName: (path: string, got: string) => `${path} must match [a-zA-Z0-9_-]+; got ${got}.` },
  },
  CH1206: {
    category: "error",
    messages: { wrongType: (path: string, expected: string, got: string) => `${path} must be ${expected}; got ${got}.` },
  },
  CH1207: {
    category: "error",
    messages: { replicaRange: (min: number, max: number) => `remoteConfig.compute.minReplicas (${min}) is greater than maxReplicas (${max}).` },
  },
  CH1208: {
    category: "error",
    messages: { gpuCountWithoutGpu: (gpus: readonly string[]) => `remoteConfig.compute.gpuCount needs compute.gpu (one of ${list(gpus)}).` },
  },
  CH1209: {
    category: "error",
    messages: { repeatedKey: (path: string) => `${path} lists the same key twice.` },
  },
  CH1210: {
    category: "error",
    messages: { invalidName: (path: string, got: string, what: string) => `${path}: ${got} is not a valid ${what}.` },
  },
  CH1211: {
    category: "error",
    messages: { invalid: (path: string, reason: string) => `${path} ${reason}.` },
  },
  CH1212: {
    category: "error",
    messages: {
      entrypointAtZero: (className: string) =>
        `remoteConfig.compute.minReplicas of the entrypoint ${className} is 0, but outside callers reach its pods directly (LoadBalancer or Ingress), so nothing would wake it from zero. Keep at least 1 replica of the entrypoint; its dependencies can scale to zero (see "Scaling to zero" in the README).`,
    },
  },
  // remoteConfig strings checked for what they are (compiler/remote-config-strings.ts)
  CH1220: {
    category: "error",
    messages: {
      notImageReference: (got: string) =>
        `remoteConfig.dockerImage.baseImage must be an image reference such as "node:24-slim", "registry:5000/team/node:24" or "node@sha256:<digest>"; got ${got}.`,
    },
  },
  CH1221: {
    category: "error",
    messages: {
      notDebianPackage: (index: number, got: string) =>
        `remoteConfig.dockerImage.aptRequirements[${index}] must be one Debian package name with an optional version ("curl", "libvips42=8.14.1-3"); got ${got}.`,
    },
  },
  CH1222: {
    category: "error",
    messages: {
      notRegistryPackage: (index: number, got: string, problem: string) =>
        `remoteConfig.dockerImage.npmRequirements[${index}] must be a registry package ("sharp", "sharp@0.33.5", "@scope/pkg@^1"); got ${got}: ${problem}.`,
    },
  },
  CH1223: {
    category: "error",
    messages: {
      notOneCommand: (index: number, got: string) =>
        `remoteConfig.dockerImage.buildCommands[${index}] must be one shell command on one line (no newlines or control characters); got ${got}. Use one entry per command.`,
    },
  },
  CH1224: {
    category: "error",
    messages: {
      reserved: (name: string) =>
        `remoteConfig.options.env cannot set ${name}: PORT, HOST, NODE_ENV, NODE_OPTIONS and every CHAINS_* variable belong to the runtime (secrets go in assets.secretKeys).`,
      controlCharacters: (name: string, got: string) => `remoteConfig.options.env.${name} must be one line without control characters; got ${got}.`,
    },
  },
  CH1225: {
    category: "error",
    messages: {
      invalidKey: (index: number, max: number, got: string) =>
        `remoteConfig.assets.secretKeys[${index}] must be a letter followed by letters, digits or '_', at most ${max} characters (it names a file and a variable); got ${got}.`,
      collision: (key: string, earlier: string, variable: string) => `remoteConfig.assets.secretKeys: ${key} and ${earlier} both become the variable ${variable}; keep one.`,
    },
  },
  CH1226: {
    category: "error",
    messages: { notRelative: (got: string) => `remoteConfig.dockerImage.dataDir must be a folder relative to the Chainlet's file, inside the project; got ${got}.` },
  },
  CH1250: {
    category: "error",
    messages: {
      instanceProperty: (className: string) =>
        `remoteConfig of ${className} is an instance property, which tschains never reads; declare it \`static remoteConfig = { ... }\`.`,
    },
  },

  // Graph (CH1300–CH1399)
  CH1301: {
    category: "error",
    messages: {
      severalLocal: (count: number, names: readonly string[]) =>
        `No @entrypoint: the entry file declares ${count} Chainlets (${list(names)}); mark the one outside callers talk to with @entrypoint.`,
      noneLocal: (names: readonly string[]) =>
        `No @entrypoint: the entry file declares no Chainlet and none of the imported ones (${list(names)}) is marked with @entrypoint.`,
    },
  },
  CH1302: {
    category: "error",
    messages: {
      several: (count: number, names: string, howToPick: string) => `A chain has exactly one @entrypoint; found ${count}: ${names}. To build one of them, ${howToPick}.`,
    },
  },
  CH1303: {
    category: "error",
    messages: { notChainlet: (what: string) => `depends() needs a Chainlet class: ${what}.` },
  },
  CH1304: {
    category: "error",
    messages: { cycle: (path: string) => `Dependency cycle: ${path}. Chainlets must form a graph without cycles.` },
  },
  CH1305: {
    category: "error",
    messages: {
      duplicate: (name: string, className: string, otherClassName: string, otherAt: string) =>
        `Two Chainlets are named '${name}': ${className} and ${otherClassName} (${otherAt}). Set a distinct remoteConfig.name.`,
    },
  },
  CH1306: {
    category: "error",
    messages: {
      className: (className: string, name: string) =>
        `Chainlet class name '${className}' does not make a valid service name ([a-zA-Z0-9_-]+, turned into '${name}'); set remoteConfig.name.`,
      configName: (className: string, name: string) =>
        `remoteConfig.name of ${className} makes the service name '${name}', which must be letters and digits separated by single '-' or '_'.`,
      chainName: (displayName: string, folder: string) =>
        `Chain name '${displayName}' must be letters and digits separated by spaces, '_' or '-' (it becomes the folder name '${folder}').`,
    },
  },
  CH1307: {
    category: "warning",
    messages: {
      unreachable: (className: string, entry: string) => `Chainlet ${className} is not reachable from the entrypoint ${entry} and is left out of the chain.`,
    },
  },
  // Name lengths (CH1320–CH1329)
  CH1320: {
    category: "error",
    messages: {
      className: (className: string, length: number, max: number) =>
        `Chainlet class name '${className}' makes a service name of ${length} characters; the limit is ${max} (a DNS label).`,
      configName: (className: string, length: number, max: number) =>
        `remoteConfig.name of ${className} makes a service name of ${length} characters; the limit is ${max} (a DNS label).`,
      chainName: (displayName: string, length: number, max: number) =>
        `Chain name '${displayName}' makes a folder name of ${length} characters; the limit is ${max} (a DNS label).`,
    },
  },

  CH1308: {
    category: "error",
    messages: {
      unknownClass: (pick: string, suggestion: string, kind: "Entrypoints" | "Chainlets", candidates: readonly string[]) =>
        `No Chainlet class named '${pick}' in the entry file or its imports.${suggestion} ${kind}: ${list(candidates) || "none"}.`,
    },
  },

  // Emitters (CH1400–CH1499)
  CH1401: {
    category: "error",
    messages: {
      classSpan: (file: string, className: string) =>
        `${file}: the recorded span of class ${className} does not contain its declaration; the source changed after compiling.`,
      dependsSpan: (file: string, className: string, target: string, start: number, end: number) =>
        `${file}: the recorded depends() call of ${className} on ${target} is not at offsets ${start}–${end}; the source changed after compiling.`,
      overlap: () => "Recorded source spans overlap; the IR does not describe this source file.",
    },
  },
  CH1402: {
    category: "error",
    messages: {
      injectionCount: (file: string, className: string, calls: number, injected: number) =>
        `${file}: ${className} has ${calls} depends() calls but ${injected} injected dependencies in the IR.`,
    },
  },
  CH1410: {
    category: "error",
    messages: { invalidSchema: (chainlet: string, kind: string, reason: string) => `Chainlet "${chainlet}": the ${kind} schema is not valid JSON Schema: ${reason}` },
  },
  CH1411: {
    category: "error",
    messages: { standaloneFailed: (chainlet: string, reason: string) => `Chainlet "${chainlet}": could not generate validators: ${reason}` },
  },
  CH1412: {
    category: "error",
    messages: { workerFailed: (reason: string) => `could not generate the chain's validators: the worker thread generating them failed: ${reason}` },
  },
  CH1420: {
    category: "error",
    messages: {
      bundlingFailed: (who: string, details: string) => `${who}: bundling failed:\n${details}`,
      noOutput: (chainlet: string) => `Chainlet "${chainlet}": esbuild produced no output.`,
    },
  },
  CH1440: {
    category: "error",
    messages: {
      invalidOption: (what: string, got: string) => `${what} ${got} is not valid.`,
      notHttpUrl: (what: string, got: string) => `${what} ${got} is not an http(s) URL.`,
      certIssuerNeedsHost: () => "--cert-issuer needs --host: cert-manager issues a certificate for a host name.",
    },
  },
  CH1441: {
    category: "error",
    messages: {
      cannotWake: (chainlet: string, autoscaler: string) =>
        `Chainlet "${chainlet}" has compute.minReplicas 0, which --autoscaler ${autoscaler} cannot wake from: ${
          autoscaler === "hpa"
            ? "an HPA never scales below one replica"
            : "KEDA's Prometheus and CPU triggers measure the Chainlet's own pods, and at zero there are none to see a call"
        }. Use --autoscaler keda-http (the KEDA HTTP add-on's interceptor receives the call and holds it while the Chainlet starts), or set minReplicas to 1.`,
    },
  },
  CH1430: {
    category: "error",
    messages: { notAFolder: (chainlet: string, dataDir: string, file: string) => `Chainlet "${chainlet}": dockerImage.dataDir "${dataDir}" is not a folder next to ${file}.` },
  },
  // Emitters' defence in depth (CH1450–CH1459): what the compiler should have refused, refused again
  CH1450: {
    category: "error",
    messages: {
      outsideProject: (chainlet: string, dataDir: string, real: string, projectRoot: string) =>
        `Chainlet "${chainlet}": dockerImage.dataDir ${JSON.stringify(dataDir)} resolves to ${real}, which is not a folder inside the project (${projectRoot}).`,
    },
  },
  CH1451: {
    category: "error",
    messages: {
      notPlain: (chainlet: string, dataDir: string, entry: string, kind: string) =>
        `Chainlet "${chainlet}": dockerImage.dataDir ${JSON.stringify(dataDir)}: ${entry} is ${kind}; a data folder holds only files and folders (copy the target in instead).`,
    },
  },
  CH1452: {
    category: "error",
    messages: {
      lineBreak: (what: string) => `${what} contains a line break or control character and cannot be written into a Dockerfile.`,
      notDebianPackage: (what: string, got: string) => `${what} ${got} is not a Debian package name with an optional version.`,
      notImageReference: (what: string, got: string) => `${what} ${got} is not an image reference.`,
      envName: (chainlet: string, got: string) => `Chainlet "${chainlet}": remoteConfig.options.env name ${got} is not a variable the image may set.`,
      secretFileName: (chainlet: string, got: string) => `Chainlet "${chainlet}": secret key ${got} cannot name a mounted file.`,
    },
  },
} as const satisfies Record<`CH1${number}`, CodeDefinition>;

type Registry = typeof diagnosticMessages;

/** A code of the compiler's own checks (CH1001–CH1499). */
export type DiagnosticCode = keyof Registry;

type Variants<C extends DiagnosticCode> = Registry[C]["messages"];
type ArgsOf<T> = T extends (...args: infer A) => string ? A : never;

/** A message with its code and category, not yet placed in a file. */
export interface DiagnosticMessage<C extends DiagnosticCode = DiagnosticCode> {
  code: C;
  category: "error" | "warning";
  message: string;
}

/** Fills the `variant` template of `code` with `args`; the category comes from the registry. */
export function diagnosticMessage<C extends DiagnosticCode, V extends keyof Variants<C> & string>(
  code: C,
  variant: V,
  ...args: ArgsOf<Variants<C>[V]>
): DiagnosticMessage<C> {
  const definition: CodeDefinition = diagnosticMessages[code];
  const template = definition.messages[variant] as unknown as (...values: unknown[]) => string;
  return { code, category: definition.category, message: template(...args) };
}

/** Whether `code` is one of the registry's codes (for errors that carry a code across a boundary). */
export function isDiagnosticCode(code: unknown): code is DiagnosticCode {
  return typeof code === "string" && Object.hasOwn(diagnosticMessages, code);
}
