import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const require = createRequire(import.meta.url);

/** Which `kubernetes-types` module and type each emitted kind is checked against. */
const TYPES: Record<string, { module: string; type: string; model: string }> = {
  ConfigMap: { module: "core/v1", type: "ConfigMap", model: "v1/ConfigMap" },
  Service: { module: "core/v1", type: "Service", model: "v1/Service" },
  Deployment: { module: "apps/v1", type: "Deployment", model: "apps/v1/Deployment" },
  HorizontalPodAutoscaler: { module: "autoscaling/v2", type: "HorizontalPodAutoscaler", model: "autoscaling/v2/HorizontalPodAutoscaler" },
  Ingress: { module: "networking/v1", type: "Ingress", model: "networking.k8s.io/v1/Ingress" },
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
  const lines = modules.map((module, i) => `import type * as m${i} from "kubernetes-types/${module}.js";`);
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
    const model = require(`kubernetes-models/${entry.model}`) as Record<string, new (data: unknown) => { validate(): void }>;
    try {
      new model[entry.type](object).validate();
    } catch (error) {
      errors.push(`${object.kind} ${JSON.stringify((object.metadata as { name?: string } | undefined)?.name)}: ${(error as Error).message}`);
    }
  }
  return errors;
}
