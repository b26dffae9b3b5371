import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const require = createRequire(import.meta.url);

/**
 * Which TypeScript type (module and name) and which `kubernetes-models` model (module and class) each
 * emitted kind is checked against: core kinds from `kubernetes-types` and `kubernetes-models`, KEDA's
 * ScaledObject from `@kubernetes-models/keda` (its CRD's schema).
 */
const TYPES: Record<string, { module: string; type: string; model: string; modelClass?: string }> = {
  ConfigMap: { module: "kubernetes-types/core/v1.js", type: "ConfigMap", model: "kubernetes-models/v1/ConfigMap" },
  Service: { module: "kubernetes-types/core/v1.js", type: "Service", model: "kubernetes-models/v1/Service" },
  Deployment: { module: "kubernetes-types/apps/v1.js", type: "Deployment", model: "kubernetes-models/apps/v1/Deployment" },
  HorizontalPodAutoscaler: { module: "kubernetes-types/autoscaling/v2.js", type: "HorizontalPodAutoscaler", model: "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler" },
  Ingress: { module: "kubernetes-types/networking/v1.js", type: "Ingress", model: "kubernetes-models/networking.k8s.io/v1/Ingress" },
  NetworkPolicy: { module: "kubernetes-types/networking/v1.js", type: "NetworkPolicy", model: "kubernetes-models/networking.k8s.io/v1/NetworkPolicy" },
  PodDisruptionBudget: { module: "kubernetes-types/policy/v1.js", type: "PodDisruptionBudget", model: "kubernetes-models/policy/v1/PodDisruptionBudget" },
  ScaledObject: { module: "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject", type: "IScaledObject", model: "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject", modelClass: "ScaledObject" },
};

export interface ManifestObject {
  apiVersion?: string;
  kind?: string;
  [field: string]: unknown;
}

/**
 * Type-checks every object as an object literal of its `kubernetes-types` type with the real tsc, so an
 * unknown field, a wrong type or a wrong `apiVersion` for the kind is an error. Returns tsc's messages.
 */
export function typeCheckManifests(objects: readonly ManifestObject[]): string[] {
  const modules = [...new Set(objects.map((object) => TYPES[object.kind ?? ""]?.module).filter(Boolean))];
  const lines = modules.map((module, i) => `import type * as m${i} from "${module}";`);
  objects.forEach((object, i) => {
    const entry = TYPES[object.kind ?? ""];
    if (!entry) throw new Error(`no schema known for kind ${object.kind}`);
    lines.push(`export const object${i}: m${modules.indexOf(entry.module)}.${entry.type} = ${JSON.stringify(object, null, 2)};`);
  });
  const fileName = `${repoRoot}test/deploy/__typed-manifests.ts`;
  const source = lines.join("\n") + "\n";
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
    skipLibCheck: true,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) =>
    name === fileName ? ts.createSourceFile(name, source, language) : getSourceFile(name, language, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === fileName || fileExists(name);
  const program = ts.createProgram({ rootNames: [fileName], options, host });
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
    if (!diagnostic.file || diagnostic.start === undefined) return text;
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    return `line ${line + 1}: ${text} (${source.split("\n")[line]?.trim()})`;
  });
}

/**
 * Validates every object with `kubernetes-models` (the OpenAPI schemas of Kubernetes compiled to ajv),
 * which catches wrong value types and formats tsc cannot see (e.g. a non-integer port). Version 4 is the
 * last that runs on Node 20; it ships CommonJS only, hence `require`.
 */
export function validateWithModels(objects: readonly ManifestObject[]): string[] {
  const errors: string[] = [];
  for (const object of objects) {
    const entry = TYPES[object.kind ?? ""];
    if (!entry) {
      errors.push(`no model known for kind ${object.kind}`);
      continue;
    }
    const model = require(entry.model) as Record<string, new (data: unknown) => { validate(): void }>;
    try {
      new model[entry.modelClass ?? entry.type](object).validate();
    } catch (error) {
      errors.push(`${object.kind} ${JSON.stringify((object.metadata as { name?: string } | undefined)?.name)}: ${(error as Error).message}`);
    }
  }
  return errors;
}
