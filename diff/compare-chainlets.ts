import type { ChainIR, ChainletIR, DependsOptions } from "../compiler/chain-ir.js";
import { subschemaProblems, type SchemaNode, type SubsetProblem } from "./schema-subset.js";

/** One finding of `chains diff`. */
export interface Change {
  severity: "breaking" | "compatible";
  /** The Chainlet whose interface changed (or that was added/removed). */
  chainlet: string;
  /** Who is affected: `outside callers` for the entrypoint, else the calling Chainlet. */
  caller?: string;
  /** `input`, `output`, `streaming`, `binary`, `chainlet`, `entrypoint`. */
  aspect: "input" | "output" | "streaming" | "binary" | "chainlet" | "entrypoint";
  /** JSON path in the input (a parameter first) or output; absent for whole-Chainlet changes. */
  path?: string;
  reason: string;
  /** For a change that is safe in one rollout order only: that order, in words. */
  rollout?: string;
}

export interface DiffReport {
  breaking: boolean;
  changes: Change[];
}

/** Callers of the entrypoint, which a rollout cannot update first. */
export const OUTSIDE_CALLERS = "outside callers";

/**
 * Compares two builds of a chain. For every caller of every Chainlet — outside callers at the
 * entrypoint, Chainlets along edges — it asks whether old and new versions can talk in both rollout
 * orders: old caller → new Chainlet (the inputs the old one took must still be taken, strictly, and
 * what the new one returns must be readable by the old reader, which drops unknown properties) and
 * new caller → old Chainlet (the reverse, with the old Chainlet dropping unknown input properties).
 * An edge that works in one order only is compatible with that rollout order; outside callers are
 * never rolled out, so only the first order counts for them.
 */
export function compareBuilds(before: ChainIR, after: ChainIR): DiffReport {
  const changes: Change[] = [];
  const oldByName = new Map(before.chainlets.map((chainlet) => [chainlet.name, chainlet]));
  const newByName = new Map(after.chainlets.map((chainlet) => [chainlet.name, chainlet]));

  if (before.entrypoint !== after.entrypoint) {
    changes.push({
      severity: "breaking",
      chainlet: before.entrypoint,
      caller: OUTSIDE_CALLERS,
      aspect: "entrypoint",
      reason: `the entrypoint is now "${after.entrypoint}"; outside callers still call "${before.entrypoint}"`,
    });
  } else {
    changes.push(...compareEdge(oldByName.get(before.entrypoint)!, newByName.get(after.entrypoint)!, OUTSIDE_CALLERS));
  }

  for (const removed of before.chainlets.filter((chainlet) => !newByName.has(chainlet.name))) {
    const callers = callersOf(before, removed.name);
    if (callers.length === 0) continue;
    changes.push({
      severity: "compatible",
      chainlet: removed.name,
      aspect: "chainlet",
      reason: `removed; ${quoteList(callers)} called it in the old build and no longer do`,
      rollout: `roll out ${quoteList(callers)} before removing "${removed.name}"`,
    });
  }

  for (const chainlet of after.chainlets) {
    const previous = oldByName.get(chainlet.name);
    if (!previous) {
      changes.push({ severity: "compatible", chainlet: chainlet.name, aspect: "chainlet", reason: "new Chainlet" });
      continue;
    }
    for (const caller of callersOf(after, chainlet.name)) {
      const oldCaller = oldByName.get(caller);
      const oldEdge = oldCaller?.injections.find((injection) => injection.kind === "depends" && injection.chainlet === chainlet.name);
      if (!oldEdge) {
        changes.push(...newEdge(previous, chainlet, caller));
        continue;
      }
      changes.push(...compareEdge(previous, chainlet, caller));
      const before = (oldEdge as { options: DependsOptions }).options.binary;
      const after = dependsOptions(newByName.get(caller)!, chainlet.name).binary;
      if (before !== after) {
        changes.push({
          severity: "compatible",
          chainlet: chainlet.name,
          caller,
          aspect: "binary",
          reason: `binary mode ${after ? "on" : "off"} (was ${before ? "on" : "off"}): every served Chainlet reads and answers both encodings`,
        });
      }
    }
  }
  for (const chainlet of after.chainlets) {
    for (const dependency of chainlet.dependencies) {
      if (!oldByName.has(dependency) && oldByName.has(chainlet.name)) {
        changes.push({
          severity: "compatible",
          chainlet: dependency,
          caller: chainlet.name,
          aspect: "chainlet",
          reason: `new Chainlet called by "${chainlet.name}"`,
          rollout: `deploy "${dependency}" before rolling out "${chainlet.name}"`,
        });
      }
    }
  }
  return { breaking: changes.some((change) => change.severity === "breaking"), changes };
}

/** The interface of one Chainlet seen by one caller, old against new, in both rollout orders. */
function compareEdge(before: ChainletIR, after: ChainletIR, caller: string): Change[] {
  const base = { chainlet: after.name, caller };
  if (before.runRemote.streaming !== after.runRemote.streaming) {
    return [
      {
        ...base,
        severity: "breaking",
        aspect: "streaming",
        reason: after.runRemote.streaming ? "now streams its output; callers expect one value" : "no longer streams; callers expect a stream",
      },
    ];
  }
  const newForOld = interfaceProblems(before, after, false);
  if (newForOld.length === 0) return additions(before, after, base);
  const oldForNew = caller === OUTSIDE_CALLERS ? undefined : interfaceProblems(after, before, true);
  if (oldForNew && oldForNew.length === 0) {
    const rollout = `roll out "${caller}" before "${after.name}"`;
    return newForOld.map((problem) => ({ ...base, severity: "compatible" as const, ...problem, reason: `${problem.reason} (safe once the caller no longer relies on it)`, rollout }));
  }
  return newForOld.map((problem) => ({ ...base, severity: "breaking" as const, ...problem }));
}

/** A caller that calls an existing Chainlet for the first time: it must not reach the old version. */
function newEdge(before: ChainletIR, after: ChainletIR, caller: string): Change[] {
  if (before.runRemote.streaming === after.runRemote.streaming && interfaceProblems(after, before, true).length === 0) return [];
  return [
    {
      severity: "compatible",
      chainlet: after.name,
      caller,
      aspect: "chainlet",
      reason: `"${caller}" now calls it, through the new interface`,
      rollout: `roll out "${after.name}" before "${caller}"`,
    },
  ];
}

/**
 * Problems of a reader of `reader`'s interface talking to `server`: every input the reader sends must be
 * accepted by the server, every output the server returns must be accepted by the reader. `readerIsNew`
 * is the new-caller-to-old-Chainlet order, where the old Chainlet drops input properties it does not know.
 */
function interfaceProblems(reader: ChainletIR, server: ChainletIR, readerIsNew: boolean): Omit<Change, "severity" | "chainlet" | "caller">[] {
  const tag = (aspect: "input" | "output", problems: SubsetProblem[]) =>
    problems.map((problem) => ({ aspect, path: problem.path, reason: problem.reason }));
  const input = schema(reader.schemas.input);
  const output = schema(server.schemas.output);
  return [
    ...tag("input", subschemaProblems(input, schema(server.schemas.input), { dropUnknownProperties: readerIsNew })),
    ...tag("output", subschemaProblems(output, schema(reader.schemas.output), { dropUnknownProperties: true })),
  ];
}

/**
 * What changed compatibly, to list: new optional parameters, parameters whose schema changed (widened),
 * new output fields, and an output that changed otherwise (narrowed).
 */
function additions(before: ChainletIR, after: ChainletIR, base: { chainlet: string; caller: string }): Change[] {
  const changes: Change[] = [];
  const compatible = (aspect: "input" | "output", path: string, reason: string): Change => ({ ...base, severity: "compatible", aspect, path, reason });
  const oldInputs = propertiesOf(before.schemas.input);
  for (const [name, schema] of Object.entries(propertiesOf(after.schemas.input))) {
    if (!(name in oldInputs)) changes.push(compatible("input", `/${name}`, "new optional parameter"));
    else if (stableText(oldInputs[name]) !== stableText(schema)) changes.push(compatible("input", `/${name}`, "changed; every value accepted before is still accepted"));
  }
  const oldFields = propertiesOf(before.schemas.output);
  const newFields = propertiesOf(after.schemas.output);
  const added = Object.keys(newFields).filter((field) => !(field in oldFields));
  for (const field of added) changes.push(compatible("output", `/${field}`, "new output field (old readers drop it)"));
  if (added.length === 0 && stableText(before.schemas.output) !== stableText(after.schemas.output)) {
    changes.push(compatible("output", "/", "changed; every value it returns now is one old readers accept"));
  }
  return changes;
}

/** The top-level properties of a schema, through a root `$ref` to a named type (`#/$defs/Profile`). */
function propertiesOf(schema: unknown): Record<string, unknown> {
  const root = schema as { $ref?: unknown; $defs?: Record<string, unknown> };
  const name = typeof root.$ref === "string" && root.$ref.startsWith("#/$defs/") ? decodeURIComponent(root.$ref.slice(8)) : undefined;
  const named = name !== undefined && root.$defs && Object.hasOwn(root.$defs, name) ? root.$defs[name] : undefined;
  const properties = ((named ?? schema) as { properties?: unknown }).properties;
  return properties !== null && typeof properties === "object" ? (properties as Record<string, unknown>) : {};
}

/** Schemas come from one compiler, which writes keys in a stable order: equal text means equal schema. */
function stableText(value: unknown): string {
  return JSON.stringify(value);
}

function schema(value: unknown): SchemaNode {
  return value as SchemaNode;
}

function callersOf(ir: ChainIR, name: string): string[] {
  return ir.chainlets.filter((chainlet) => chainlet.dependencies.includes(name)).map((chainlet) => chainlet.name);
}

function dependsOptions(caller: ChainletIR, dependency: string): DependsOptions {
  const injection = caller.injections.find((each) => each.kind === "depends" && each.chainlet === dependency);
  return (injection as { options: DependsOptions }).options;
}

function quoteList(names: string[]): string {
  return names.map((name) => `"${name}"`).join(", ");
}
