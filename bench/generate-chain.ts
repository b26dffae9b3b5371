import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Writes a chain of `size` Chainlets, a line `Stage0 → Stage1 → ... → Stage<size-1>`, one file per
 * Chainlet, each with its own ten-field nested input and output interfaces. Returns the entry file.
 * Every stage forwards to the next, so the compiler must analyse every class, schema and edge.
 */
export function generateChain(dir: string, size: number): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (let i = 1; i < size; i++) writeFileSync(join(dir, `stage-${i}.ts`), stageSource(i, size));
  const entry = join(dir, "chain.ts");
  writeFileSync(entry, stageSource(0, size));
  return entry;
}

function stageSource(i: number, size: number): string {
  const hasNext = i + 1 < size;
  const imports = [`import { ChainletBase${hasNext ? ", depends" : ""}${i === 0 ? ", entrypoint" : ""} } from "tschains";`];
  if (hasNext) imports.push(`import { Stage${i + 1} } from "./stage-${i + 1}.js";`);
  const body = hasNext
    ? `  constructor(private readonly next = depends(Stage${i + 1}, { retries: 1 })) {
    super();
  }

  async runRemote(input: Stage${i}Input): Promise<Stage${i}Output> {
    const downstream = await this.next.runRemote({ ...input, count: input.count + 1 });
    return { ...downstream, stage: ${i} };
  }`
    : `  runRemote(input: Stage${i}Input): Stage${i}Output {
    return {
      id: input.id,
      stage: ${i},
      score: input.ratio * input.count,
      accepted: input.enabled,
      reasons: input.tags,
      grade: input.kind === "a" ? "high" : "low",
      decidedAt: input.createdAt,
      summary: { parts: input.parts.length, heaviest: Math.max(0, ...input.parts.map((p) => p.weight)), place: input.location.name },
      lines: input.parts.map((p) => ({ name: p.name, share: p.weight, ok: p.flags.every(Boolean) })),
      note: input.label,
    };
  }`;
  return `${imports.join("\n")}

export interface Stage${i}Input {
  id: string;
  /** @minimum 0 */
  count: number;
  ratio: number;
  enabled: boolean;
  /** @maxLength 200 */
  label: string;
  tags: string[];
  kind: "a" | "b" | "c";
  createdAt: Date;
  location: { lat: number; lon: number; name?: string };
  parts: Array<{ name: string; weight: number; flags: boolean[] }>;
}

export interface Stage${i}Output {
  id: string;
  stage: number;
  score: number;
  accepted: boolean;
  reasons: string[];
  grade: "high" | "low";
  decidedAt: Date;
  summary: { parts: number; heaviest: number; place?: string };
  lines: Array<{ name: string; share: number; ok: boolean }>;
  note: string;
}

${i === 0 ? `@entrypoint("Generated ${size}")\n` : ""}export class Stage${i} extends ChainletBase {
${body}
}
`;
}
