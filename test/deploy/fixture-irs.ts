import type { ChainIR, ChainletIR, DependsOptions, InjectionIR, ResolvedRemoteConfig } from "../../compiler/chain-ir.js";
import { DEPENDS_DEFAULTS } from "../../runtime-node/authoring/remote-config.js";

/**
 * Chain IRs written by hand in the shape `compiler/chain-ir.ts` defines, so the deployment emitters are
 * tested on exactly the cases that matter (secrets, GPUs, autoscaling, names that need sanitising)
 * independently of which examples the compiler happens to have.
 */
function config(overrides: {
  compute?: Partial<ResolvedRemoteConfig["compute"]>;
  secretKeys?: string[];
  env?: Record<string, string>;
  npmRequirements?: string[];
} = {}): ResolvedRemoteConfig {
  return {
    dockerImage: {
      baseImage: "node:24-slim",
      npmRequirements: overrides.npmRequirements ?? [],
      aptRequirements: [],
      buildCommands: [],
      dataDir: null,
    },
    compute: { cpu: 1, memory: "2Gi", gpu: null, gpuCount: 1, concurrency: 32, minReplicas: 1, maxReplicas: 1, ...overrides.compute },
    assets: { secretKeys: overrides.secretKeys ?? [] },
    options: { env: overrides.env ?? {} },
  };
}

function depends(parameter: string, chainlet: string, options: Partial<DependsOptions> = {}): InjectionIR {
  return { kind: "depends", parameter, chainlet, options: { ...DEPENDS_DEFAULTS, ...options } };
}

function chainlet(fields: {
  name: string;
  className: string;
  isEntrypoint?: boolean;
  injections?: InjectionIR[];
  streaming?: boolean;
  config?: ResolvedRemoteConfig;
}): ChainletIR {
  const injections = fields.injections ?? [];
  const dependencies = [
    ...new Set(injections.flatMap((injection) => (injection.kind === "depends" ? [injection.chainlet] : []))),
  ];
  return {
    name: fields.name,
    className: fields.className,
    file: "chain.ts",
    isEntrypoint: fields.isEntrypoint ?? false,
    dependencies,
    injections,
    runRemote: { parameters: [{ name: "input", optional: false }], async: true, streaming: fields.streaming ?? false },
    hasIsHealthy: false,
    config: fields.config ?? config(),
    schemas: {
      input: { $schema: "https://json-schema.org/draft/2020-12/schema", type: "object", properties: { input: { type: "string" } } },
      output: { $schema: "https://json-schema.org/draft/2020-12/schema", type: "string" },
    },
    source: { file: "chain.ts", classStart: 0, classEnd: 0, exported: "named", dependsCalls: [] },
  };
}

/** fixtures/hello: HelloAll fans out to SayHello with two retries. */
export function helloIR(): ChainIR {
  return {
    irVersion: 1,
    name: "hello-world",
    displayName: "Hello World",
    entrypoint: "hello-all",
    projectRoot: "../../fixtures/hello",
    entryFile: "chain.ts",
    chainlets: [
      chainlet({
        name: "hello-all",
        className: "HelloAll",
        isEntrypoint: true,
        injections: [depends("hello", "say-hello", { retries: 2, timeoutSec: 10 })],
      }),
      chainlet({ name: "say-hello", className: "SayHello" }),
    ],
  };
}

/**
 * Three levels, a GPU Chainlet with a secret and an autoscaler, a streaming binary edge, a plain
 * variable holding a `$`, and Chainlet names that are not DNS labels as written.
 */
export function richIR(): ChainIR {
  const longName = "Very_Long_Chainlet_Name_That_Goes_On_And_On_Beyond_Sixty_Three_Characters";
  return {
    irVersion: 1,
    name: "9-rich-chain",
    displayName: 'Rich "Chain"',
    entrypoint: "Gateway_API",
    projectRoot: "../../fixtures/rich",
    entryFile: "chain.ts",
    chainlets: [
      chainlet({
        name: "Gateway_API",
        className: "Gateway",
        isEntrypoint: true,
        injections: [
          { kind: "context", parameter: "context" },
          depends("embedder", "text-embedder", { binary: true, concurrencyLimit: 16 }),
          depends("store", longName),
        ],
        config: config({ compute: { cpu: 0.5, memory: "512Mi", minReplicas: 2, maxReplicas: 2 }, env: { PRICE: "$5", LOG_LEVEL: "debug" } }),
      }),
      chainlet({
        name: "text-embedder",
        className: "TextEmbedder",
        streaming: true,
        config: config({
          compute: { cpu: 4, memory: "16Gi", gpu: "A100", gpuCount: 2, minReplicas: 1, maxReplicas: 4 },
          secretKeys: ["hf_access_token"],
        }),
      }),
      chainlet({
        name: longName,
        className: "Store",
        config: config({ secretKeys: ["db_password", "hf_access_token"] }),
      }),
    ],
  };
}
