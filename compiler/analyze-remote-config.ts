import { diagnosticMessage } from "./diagnostic-messages.js";
import type { ErrorObject } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import { Node, SyntaxKind, type ClassDeclaration } from "ts-morph";
import type { RemoteConfig } from "../runtime-node/authoring/remote-config.js";
import { kebabCase } from "../runtime-node/authoring/authoring.js";
import type { JsonSchema, ResolvedRemoteConfig } from "./chain-ir.js";
import { dataDirProblem } from "./data-dir-location.js";
import type { Diagnostic } from "./diagnostics.js";
import { didYouMean } from "./did-you-mean.js";
import { nodeDiagnostic } from "./node-diagnostic.js";
import { GPU_TYPES } from "../runtime-node/protocol/gpus.js";
import { loadShippedSchema, SHIPPED_SCHEMAS } from "./shipped-schemas.js";
import { checkRemoteConfigStrings, type LiteralLocations } from "./remote-config-strings.js";
import { unwrap } from "./unwrap-expression.js";

type Json = string | number | boolean | Json[] | { [key: string]: Json };

/** Where each value of the literal is written, by JSON pointer, so schema errors point at the source. */
type Locations = LiteralLocations;

/**
 * The base image of every emitted Dockerfile unless `dockerImage.baseImage` says otherwise: the current
 * Node LTS, slim. The served runtime itself supports Node 20 to 24.
 */
const DEFAULT_BASE_IMAGE = "node:24-slim";

/** `remote-config.schema.json`, generated from `RemoteConfig`, and its compiled validator. */
let remoteConfigSchema: JsonSchema | undefined;
let validateRemoteConfig: ReturnType<Ajv2020["compile"]> | undefined;

export interface RemoteConfigAnalysis {
  config: ResolvedRemoteConfig;
  /** `remoteConfig.name` when given (and readable). */
  name: string | undefined;
  diagnostics: Diagnostic[];
  /** Where a value of the literal is written, by JSON pointer (`/compute/minReplicas`). */
  at(pointer: string): Node | undefined;
}

/**
 * Reads the static `remoteConfig` of `cls` (or the one it inherits) without running code, validates it
 * against the RemoteConfig schema and fills in every default.
 */
export function analyzeRemoteConfig(cls: ClassDeclaration): RemoteConfigAnalysis {
  const diagnostics: Diagnostic[] = [];
  const instanceProperty = cls.getInstanceProperty("remoteConfig");
  if (instanceProperty) {
    diagnostics.push(
      nodeDiagnostic(instanceProperty, diagnosticMessage("CH1250", "instanceProperty", cls.getName() ?? "this Chainlet")),
    );
  }
  const property = findRemoteConfig(cls);
  const initializer = unwrap(property?.getInitializer());
  const locations: Locations = { values: new Map(), keys: new Map() };
  const at = (pointer: string) => locations.values.get(pointer);
  if (!property || !initializer) return { config: resolveRemoteConfig({}), name: undefined, diagnostics, at };

  const value = readLiteral(initializer, "", locations, diagnostics);
  if (diagnostics.length > 0 || value === undefined) return { config: resolveRemoteConfig({}), name: undefined, diagnostics, at };

  remoteConfigSchema ??= loadShippedSchema(SHIPPED_SCHEMAS.remoteConfig);
  validateRemoteConfig ??= new Ajv2020({ allErrors: true, strict: true, verbose: true }).compile(remoteConfigSchema);
  if (!validateRemoteConfig(value)) {
    const reported = new Set<string>();
    for (const error of validateRemoteConfig.errors ?? []) {
      const diagnostic = schemaErrorDiagnostic(error, locations, initializer);
      const key = `${diagnostic.line}:${diagnostic.column}`;
      if (reported.has(key)) continue;
      reported.add(key);
      diagnostics.push(diagnostic);
    }
  }
  const config = value as RemoteConfig;
  const compute = config.compute ?? {};
  if (diagnostics.length === 0 && compute.minReplicas !== undefined && compute.maxReplicas !== undefined && compute.minReplicas > compute.maxReplicas) {
    diagnostics.push(
      nodeDiagnostic(locations.values.get("/compute/minReplicas")!, diagnosticMessage("CH1207", "replicaRange", compute.minReplicas, compute.maxReplicas)),
    );
  }
  if (diagnostics.length === 0 && compute.gpuCount !== undefined && compute.gpu === undefined) {
    diagnostics.push(
      nodeDiagnostic(locations.values.get("/compute/gpuCount")!, diagnosticMessage("CH1208", "gpuCountWithoutGpu", GPU_TYPES)),
    );
  }
  if (diagnostics.length === 0) diagnostics.push(...checkRemoteConfigStrings(config, locations, initializer));
  const dataDir = config.dockerImage?.dataDir;
  if (diagnostics.length === 0 && dataDir !== undefined) {
    // Checked here, not only when the image is emitted, so it is reported with every other error of the run.
    const file = cls.getSourceFile();
    const problem = dataDirProblem(kebabCase(config.name ?? cls.getName() ?? "default"), file.getFilePath(), dataDir, file.getBaseName());
    if (problem) diagnostics.push(nodeDiagnostic(locations.values.get("/dockerImage/dataDir")!, problem));
  }
  if (diagnostics.length > 0) return { config: resolveRemoteConfig({}), name: undefined, diagnostics, at };
  return { config: resolveRemoteConfig(config), name: config.name, diagnostics, at };
}

/**
 * The entrypoint may not scale to zero (CH1212): outside callers reach its pods through the LoadBalancer or
 * Ingress, not through an autoscaler's proxy that could hold a call while it starts, so nothing would wake it.
 */
export function entrypointReplicaProblems(entrypoint: ClassDeclaration, analysis: RemoteConfigAnalysis): Diagnostic[] {
  if (analysis.config.compute.minReplicas > 0) return [];
  const at = analysis.at("/compute/minReplicas") ?? entrypoint.getNameNode() ?? entrypoint;
  return [nodeDiagnostic(at, diagnosticMessage("CH1212", "entrypointAtZero", entrypoint.getName() ?? "the entrypoint"))];
}

/** `config` with every default filled in (see the README's remoteConfig table). */
export function resolveRemoteConfig(config: RemoteConfig): ResolvedRemoteConfig {
  const image = config.dockerImage ?? {};
  const compute = config.compute ?? {};
  const minReplicas = compute.minReplicas ?? 1;
  return {
    dockerImage: {
      baseImage: image.baseImage ?? DEFAULT_BASE_IMAGE,
      npmRequirements: image.npmRequirements ?? [],
      aptRequirements: image.aptRequirements ?? [],
      buildCommands: image.buildCommands ?? [],
      dataDir: image.dataDir ?? null,
    },
    compute: {
      cpu: compute.cpu ?? 1,
      memory: compute.memory ?? "2Gi",
      gpu: compute.gpu ?? null,
      gpuCount: compute.gpu ? (compute.gpuCount ?? 1) : 0,
      concurrency: compute.concurrency ?? 32,
      minReplicas,
      maxReplicas: compute.maxReplicas ?? Math.max(1, minReplicas),
    },
    assets: { secretKeys: config.assets?.secretKeys ?? [] },
    options: { env: config.options?.env ?? {} },
  };
}

function findRemoteConfig(cls: ClassDeclaration) {
  for (let current: ClassDeclaration | undefined = cls; current; current = current.getBaseClass()) {
    const property = current.getStaticProperty("remoteConfig");
    if (property && Node.isPropertyDeclaration(property)) return property;
  }
  return undefined;
}

/** The JSON value of a literal expression; reports (CH1200) and returns undefined for anything else. */
function readLiteral(node: Node, pointer: string, locations: Locations, diagnostics: Diagnostic[]): Json | undefined {
  const expression = unwrap(node) ?? node;
  locations.values.set(pointer, expression);
  if (Node.isStringLiteral(expression) || Node.isNoSubstitutionTemplateLiteral(expression)) return expression.getLiteralValue();
  if (Node.isNumericLiteral(expression)) return expression.getLiteralValue();
  if (Node.isTrueLiteral(expression) || Node.isFalseLiteral(expression)) return expression.getLiteralValue();
  if (Node.isPrefixUnaryExpression(expression) && expression.getOperatorToken() === SyntaxKind.MinusToken && Node.isNumericLiteral(expression.getOperand())) {
    return -Number(expression.getOperand().getText());
  }
  if (Node.isArrayLiteralExpression(expression)) {
    const items: Json[] = [];
    expression.getElements().forEach((element, index) => {
      const item = readLiteral(element, `${pointer}/${index}`, locations, diagnostics);
      if (item !== undefined) items.push(item);
    });
    return items;
  }
  if (Node.isObjectLiteralExpression(expression)) {
    const object: { [key: string]: Json } = {};
    for (const property of expression.getProperties()) {
      if (!Node.isPropertyAssignment(property) || Node.isComputedPropertyName(property.getNameNode())) {
        diagnostics.push(notLiteral(property, pointer));
        continue;
      }
      const nameNode = property.getNameNode();
      const key = Node.isStringLiteral(nameNode) || Node.isNumericLiteral(nameNode) ? String(nameNode.getLiteralValue()) : nameNode.getText();
      const childPointer = `${pointer}/${escapePointer(key)}`;
      locations.keys.set(childPointer, nameNode);
      const initializer = property.getInitializerOrThrow();
      // `gpu: undefined` reads as "not set", as it does at runtime.
      if (Node.isIdentifier(initializer) && initializer.getText() === "undefined") continue;
      const value = readLiteral(initializer, childPointer, locations, diagnostics);
      if (value !== undefined) object[key] = value;
    }
    return object;
  }
  diagnostics.push(notLiteral(expression, pointer));
  return undefined;
}

function notLiteral(node: Node, pointer: string): Diagnostic {
  const where = pointer === "" ? "remoteConfig" : `remoteConfig${pointerToPath(pointer)}`;
  return nodeDiagnostic(node, diagnosticMessage("CH1200", "notLiteral", where, truncate(node.getText())));
}

function schemaErrorDiagnostic(error: ErrorObject, locations: Locations, root: Node): Diagnostic {
  const pointer = error.instancePath;
  const at = locations.values.get(pointer) ?? root;
  const path = `remoteConfig${pointerToPath(pointer)}`;
  const got = JSON.stringify(error.data);
  if (error.keyword === "additionalProperties") {
    const key = String(error.params.additionalProperty);
    const keyPointer = `${pointer}/${escapePointer(key)}`;
    const allowed = Object.keys(schemaAt(pointer)?.properties ?? {});
    return nodeDiagnostic(locations.keys.get(keyPointer) ?? at, diagnosticMessage("CH1201", "unknownKey", key, path, didYouMean(key, allowed), allowed));
  }
  if (pointer === "/compute/memory" && error.keyword === "pattern") {
    return nodeDiagnostic(at, diagnosticMessage("CH1202", "invalidMemory", path, got));
  }
  if (pointer === "/compute/gpu") {
    return nodeDiagnostic(at, diagnosticMessage("CH1203", "unknownGpu", path, GPU_TYPES, got, didYouMean(String(error.data), GPU_TYPES)));
  }
  if (pointer === "/name" && error.keyword === "pattern") {
    return nodeDiagnostic(at, diagnosticMessage("CH1205", "invalidName", path, got));
  }
  if (["minimum", "exclusiveMinimum"].includes(error.keyword) || (error.keyword === "type" && error.params.type === "integer" && typeof error.data === "number")) {
    const integer = error.params.type === "integer" || error.keyword === "minimum";
    const expected = integer ? (error.params.limit === 0 ? "a non-negative integer" : "a positive integer") : "a positive number";
    return nodeDiagnostic(at, diagnosticMessage("CH1204", "notPositive", path, expected, got));
  }
  if (error.keyword === "type") {
    return nodeDiagnostic(at, diagnosticMessage("CH1206", "wrongType", path, article(String(error.params.type)), got));
  }
  if (error.keyword === "uniqueItems") {
    return nodeDiagnostic(at, diagnosticMessage("CH1209", "repeatedKey", path));
  }
  if (error.keyword === "pattern" || error.keyword === "propertyNames") {
    return nodeDiagnostic(at, diagnosticMessage("CH1210", "invalidName", path, got, pointer.startsWith("/options/env") ? "environment variable name" : "key"));
  }
  return nodeDiagnostic(at, diagnosticMessage("CH1211", "invalid", path, error.message ?? "is invalid"));
}

function schemaAt(pointer: string): { properties?: Record<string, unknown> } | undefined {
  let schema: unknown = remoteConfigSchema;
  for (const segment of pointer.split("/").slice(1)) {
    schema = (schema as { properties?: Record<string, unknown> } | undefined)?.properties?.[segment];
  }
  return schema as { properties?: Record<string, unknown> } | undefined;
}

function pointerToPath(pointer: string): string {
  return pointer
    .split("/")
    .slice(1)
    .map((segment) => (/^\d+$/.test(segment) ? `[${segment}]` : `.${segment.replace(/~1/g, "/").replace(/~0/g, "~")}`))
    .join("");
}

function escapePointer(key: string): string {
  return key.replace(/~/g, "~0").replace(/\//g, "~1");
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function truncate(text: string): string {
  const oneLine = text.replace(/\s+/g, " ");
  return oneLine.length > 60 ? oneLine.slice(0, 57) + "..." : oneLine;
}

