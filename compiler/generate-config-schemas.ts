import { join } from "node:path";
import { Project } from "ts-morph";
import { formatDiagnostics } from "./diagnostics.js";
import { generateTypeSchema } from "./schema/generate-type-schema.js";
import { SHIPPED_SCHEMAS, shippedSchemaId } from "./shipped-schemas.js";

/** One generated schema file: its path in the repository and its exact text. */
export interface GeneratedSchemaFile {
  path: string;
  text: string;
}

/**
 * The shipped schemas (`chain-ir.schema.json`, `remote-config.schema.json`), generated from the TypeScript
 * types of the source tree at `root` with the project's own type → JSON Schema converter, so the types are
 * the one declaration of each shape and constraint (JSDoc tags: `@pattern`, `@minimum`, `@integer`, ...).
 * The same sources always give the same text.
 */
export function generateConfigSchemas(root: string): GeneratedSchemaFile[] {
  const project = new Project({ tsConfigFilePath: join(root, "tsconfig.json"), skipAddingFilesFromTsConfig: true });
  return Object.values(SHIPPED_SCHEMAS).map((shipped) => {
    const file = project.addSourceFileAtPath(join(root, shipped.source));
    project.resolveSourceFileDependencies();
    const declaration = file.getInterface(shipped.type) ?? file.getTypeAliasOrThrow(shipped.type);
    const { schema, diagnostics } = generateTypeSchema(declaration, { $id: shippedSchemaId(shipped), title: shipped.title });
    if (diagnostics.length > 0) throw new Error(`${shipped.type} cannot be a JSON Schema:\n${formatDiagnostics(diagnostics, { cwd: root })}`);
    return { path: `compiler/${shipped.file}`, text: `${JSON.stringify(schema, null, 2)}\n` };
  });
}
