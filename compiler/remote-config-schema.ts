import type { JsonSchema } from "./chain-ir.js";

import { GPU_TYPES } from "../runtime-node/protocol/gpus.js";

export { GPU_TYPES };

/** Kubernetes memory quantity with a unit: `512Mi`, `2Gi`, `1G`, `1.5Gi`. */
export const MEMORY_PATTERN = "^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|k|K|M|G|T)$";

/**
 * The base image of every emitted Dockerfile unless `dockerImage.baseImage` says otherwise: the current
 * Node LTS, slim. The served runtime itself supports Node 20 to 24.
 */
export const DEFAULT_BASE_IMAGE = "node:24-slim";

/**
 * A Docker image reference (`[registry[:port]/]path[:tag][@sha256:digest]`), as the distribution
 * reference grammar has it; anything else (spaces, newlines) could smuggle instructions into `FROM`.
 */
export const IMAGE_REFERENCE_PATTERN =
  "^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?/)?" +
  "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*" +
  "(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$";

/** Chainlet names: `[a-zA-Z0-9_-]+`. */
export const NAME_PATTERN = "^[a-zA-Z0-9_-]+$";

const strings: JsonSchema = { type: "array", items: { type: "string", minLength: 1 } };
const positiveInteger: JsonSchema = { type: "integer", minimum: 1 };

/** JSON Schema of `RemoteConfig` (runtime-node/authoring/remote-config.ts), used to validate the static literal. */
export const REMOTE_CONFIG_SCHEMA: JsonSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    name: { type: "string", pattern: NAME_PATTERN },
    dockerImage: {
      type: "object",
      additionalProperties: false,
      properties: {
        baseImage: { type: "string", pattern: IMAGE_REFERENCE_PATTERN },
        npmRequirements: strings,
        aptRequirements: strings,
        buildCommands: strings,
        dataDir: { type: "string", minLength: 1 },
      },
    },
    compute: {
      type: "object",
      additionalProperties: false,
      properties: {
        cpu: { type: "number", exclusiveMinimum: 0 },
        memory: { type: "string", pattern: MEMORY_PATTERN },
        gpu: { enum: [...GPU_TYPES] },
        gpuCount: positiveInteger,
        concurrency: positiveInteger,
        minReplicas: positiveInteger,
        maxReplicas: positiveInteger,
      },
    },
    assets: {
      type: "object",
      additionalProperties: false,
      properties: { secretKeys: { type: "array", items: { type: "string", pattern: "^[A-Za-z0-9_.-]+$" }, uniqueItems: true } },
    },
    options: {
      type: "object",
      additionalProperties: false,
      properties: {
        env: { type: "object", propertyNames: { pattern: "^[A-Za-z_][A-Za-z0-9_]*$" }, additionalProperties: { type: "string" } },
      },
    },
  },
};
