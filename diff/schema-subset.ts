import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { WIRE_MARKER } from "../runtime-node/protocol/wire-types.js";

/** A JSON Schema node: an object or a boolean schema. */
export type SchemaNode = boolean | { [keyword: string]: unknown };

/** Why a schema is not shown to be contained in another, at one JSON path. */
export interface SubsetProblem {
  /** JSON Pointer-like path of the value (`/names/*` for any item, `/tags/2` for one). */
  path: string;
  reason: string;
  /** True when a value that breaks is known to exist; false when the check could not decide ("possibly"). */
  certain: boolean;
}

export interface SubsetOptions {
  /**
   * The reader drops object properties its schema does not declare (`additionalProperties: false`)
   * instead of rejecting them: the tolerant wire between Chainlets and in stubs and clients.
   */
  dropUnknownProperties: boolean;
}

/** Keywords that never reject a value. */
const ANNOTATIONS = new Set([
  "$schema", "$id", "$anchor", "$comment", "$defs", "definitions", "title", "description", "examples", "default",
  "deprecated", "readOnly", "writeOnly", "contentEncoding", "contentMediaType", "contentSchema", "$dynamicAnchor",
]);

/** Keywords the structural check below understands. */
const HANDLED = new Set([
  "type", "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength",
  "maxLength", "pattern", "format", "items", "prefixItems", "additionalItems", "minItems", "maxItems", "uniqueItems",
  "properties", "required", "additionalProperties", "patternProperties", "minProperties", "maxProperties", "allOf",
  "anyOf", "oneOf", "$ref", WIRE_MARKER,
]);

/**
 * Keywords whose constraint does not depend on the other keywords of the node: when both schemas carry
 * the same value, the constraint is the same on both sides and can be set aside.
 */
const SELF_CONTAINED = new Set(["not", "contains", "minContains", "maxContains", "propertyNames", "dependentRequired", "dependentSchemas", "if", "then", "else"]);

const JSON_TYPES = ["null", "boolean", "object", "array", "number", "string"] as const;

/** Recursion guard for schemas that are not recursive through `$ref` but are absurdly deep. */
const MAX_DEPTH = 256;
/** Node pairs visited before the comparison gives up as undecided. */
const MAX_STEPS = 200_000;

interface Context {
  rootA: SchemaNode;
  rootB: SchemaNode;
  options: SubsetOptions;
  /** Pairs (a, b) assumed contained while checking them: a recursive schema meets itself again. */
  assumed: Map<object, Set<object>>;
  depth: number;
  /** Shared by the whole comparison: unions of recursive schemas can make the search exponential. */
  steps: { count: number };
  /** Both documents define the same `$defs`, so equal nodes mean the same thing even with `$ref`s. */
  sameDefs: boolean;
}

/**
 * Whether every value `a` accepts is accepted by `b`: the problems found, none meaning yes. Sound:
 * an empty answer is a proof (up to the keywords listed in `HANDLED`, `ANNOTATIONS` and equal
 * `SELF_CONTAINED` ones); anything the check cannot decide is a problem with `certain: false`.
 * `rootA` and `rootB` are the documents `$ref`s point into (`#/$defs/...`); recursive schemas are
 * compared coinductively, which is sound because JSON values are finite.
 */
export function subschemaProblems(a: SchemaNode, b: SchemaNode, options: SubsetOptions, rootA: SchemaNode = a, rootB: SchemaNode = b): SubsetProblem[] {
  return check(a, b, "", {
    rootA,
    rootB,
    options,
    assumed: new Map(),
    depth: 0,
    steps: { count: 0 },
    sameDefs: typeof rootA === "object" && typeof rootB === "object" && deepEqual(rootA.$defs, rootB.$defs) && deepEqual(rootA.definitions, rootB.definitions),
  });
}

function check(a: SchemaNode, b: SchemaNode, path: string, ctx: Context): SubsetProblem[] {
  if (b === true || (typeof b === "object" && isUnconstrained(b))) return [];
  if (a === false) return [];
  if (b === false) return [{ path: path || "/", reason: "no value is accepted any more", certain: true }];
  const objA: Record<string, unknown> = a === true ? {} : a;
  const objB = b;
  if (ctx.depth > MAX_DEPTH || ++ctx.steps.count > MAX_STEPS) return [undecided(path, "the schemas are too large or deep to compare")];
  if (sameSchema(objA, objB, ctx)) return [];
  // Assumed only while checking below this pair (a failed branch elsewhere must not have proved it).
  const pairs = ctx.assumed.get(objA) ?? new Set<object>();
  if (pairs.has(objB)) return [];
  ctx.assumed.set(objA, pairs.add(objB));
  try {
    return checkNode(objA, objB, path, { ...ctx, depth: ctx.depth + 1 });
  } finally {
    pairs.delete(objB);
  }
}

function checkNode(objA: Record<string, unknown>, objB: Record<string, unknown>, path: string, ctx: Context): SubsetProblem[] {
  if (typeof objA.$ref === "string") {
    const target = resolveRef(objA.$ref, ctx.rootA);
    if (target === undefined || target === objA) return [undecided(path, `cannot resolve $ref "${objA.$ref}" of the old schema`)];
    return check(withConjunct(objA, "$ref", target), objB, path, ctx);
  }
  if (typeof objB.$ref === "string") {
    const target = resolveRef(objB.$ref, ctx.rootB);
    if (target === undefined || target === objB) return [undecided(path, `cannot resolve $ref "${objB.$ref}" of the new schema`)];
    return check(objA, withConjunct(objB, "$ref", target), path, ctx);
  }
  if (Array.isArray(objB.anyOf) && isUnconstrained(without(objB, "anyOf"))) {
    // The old schema kept as one member of a new union (a widening) is contained as a whole.
    if ((objB.anyOf as SchemaNode[]).some((branch) => typeof branch === "object" && sameSchema(objA, derefShallow(branch, ctx.rootB) ?? {}, ctx))) return [];
  }
  for (const union of ["anyOf", "oneOf"] as const) {
    // Every value of a union is a value of one branch (oneOf only narrows that), so each branch must fit.
    if (Array.isArray(objA[union])) {
      const rest = without(objA, union);
      return (objA[union] as SchemaNode[]).flatMap((branch) => check(conjunction(rest, branch), objB, path, ctx));
    }
  }
  if (Array.isArray(objB.allOf)) {
    const rest = without(objB, "allOf");
    return [rest, ...(objB.allOf as SchemaNode[])].flatMap((conjunct) => check(objA, conjunct, path, ctx));
  }
  if (Array.isArray(objA.allOf)) return checkIntersection(objA, objB, path, ctx);
  const types = typesOf(objA);
  if (types.length > 1 && !hasFiniteValues(objA)) {
    // Split by type so that a union `b` can take each type of `a` in a different branch.
    return types.flatMap((type) => check({ ...objA, type }, objB, path, ctx));
  }
  const values = finiteValues(objA);
  if (values) return values.flatMap((value) => valueProblems(value, objB, path, ctx));
  if (Array.isArray(objB.anyOf)) return checkAnyOf(objA, objB, path, ctx);
  if (Array.isArray(objB.oneOf)) return checkOneOf(objA, objB, path, ctx);
  return checkSimple(objA, objB, path, ctx);
}

/** `a` is `rest ∧ c1 ∧ … ∧ cn`: contained in `b` when one conjunct is, or when their simple merge is. */
function checkIntersection(a: Record<string, unknown>, b: Record<string, unknown>, path: string, ctx: Context): SubsetProblem[] {
  const conjuncts = [without(a, "allOf"), ...(a.allOf as SchemaNode[])];
  const merged = mergeConjuncts(conjuncts);
  if (merged) return check(merged, b, path, ctx);
  let best: SubsetProblem[] | undefined;
  for (const conjunct of conjuncts) {
    const problems = check(conjunct, b, path, ctx);
    if (problems.length === 0) return [];
    best ??= problems;
  }
  return [undecided(path, `an allOf of the old schema could not be compared as a whole (${best?.[0]?.reason ?? "no conjunct fits"})`)];
}

function checkAnyOf(a: Record<string, unknown>, b: Record<string, unknown>, path: string, ctx: Context): SubsetProblem[] {
  const rest = without(b, "anyOf");
  let first: SubsetProblem[] | undefined;
  for (const branch of b.anyOf as SchemaNode[]) {
    const problems = check(a, conjunction(rest, branch), path, ctx);
    if (problems.length === 0) return [];
    first ??= problems;
  }
  return [{ path: path || "/", reason: `no member of the new union accepts every value of the old one (${first?.[0]?.reason ?? "empty union"})`, certain: false }];
}

/** `b` is a oneOf: `a` fits when it is inside one branch and provably disjoint from every other. */
function checkOneOf(a: Record<string, unknown>, b: Record<string, unknown>, path: string, ctx: Context): SubsetProblem[] {
  const rest = without(b, "oneOf");
  const branches = (b.oneOf as SchemaNode[]).map((branch) => conjunction(rest, branch));
  for (const [index, branch] of branches.entries()) {
    if (check(a, branch, path, ctx).length > 0) continue;
    const overlapping = branches.some((other, j) => j !== index && !disjoint(a, other, ctx));
    if (!overlapping) return [];
    return [undecided(path, "a value could match several members of the new oneOf, which rejects it")];
  }
  return [{ path: path || "/", reason: "no member of the new oneOf accepts every value of the old schema", certain: false }];
}

/** Sound disjointness: different JSON types, or a property whose allowed constants differ. */
function disjoint(a: SchemaNode, b: SchemaNode, ctx: Context): boolean {
  if (a === false || b === false) return true;
  if (a === true || b === true) return false;
  const left = derefShallow(a, ctx.rootA);
  const right = derefShallow(b, ctx.rootB);
  if (!left || !right) return false;
  const typesB = typesOf(right);
  if (typesOf(left).every((type) => !typesB.some((other) => typeAccepts(other, type) || typeAccepts(type, other)))) return true;
  const valuesA = finiteValues(left);
  const valuesB = finiteValues(right);
  if (valuesA && valuesB) return valuesA.every((x) => valuesB.every((y) => !deepEqual(x, y)));
  const propsA = (left.properties ?? {}) as Record<string, SchemaNode>;
  const propsB = (right.properties ?? {}) as Record<string, SchemaNode>;
  const requiredA = new Set((left.required ?? []) as string[]);
  for (const key of Object.keys(propsA)) {
    if (!requiredA.has(key) || !(key in propsB)) continue;
    const constsA = finiteValues(derefShallow(propsA[key], ctx.rootA) ?? {});
    const constsB = finiteValues(derefShallow(propsB[key], ctx.rootB) ?? {});
    if (constsA && constsB && constsA.every((x) => constsB.every((y) => !deepEqual(x, y)))) return true;
  }
  return false;
}

function checkSimple(a: Record<string, unknown>, b: Record<string, unknown>, path: string, ctx: Context): SubsetProblem[] {
  const problems: SubsetProblem[] = [];
  for (const keyword of Object.keys(b)) {
    if (HANDLED.has(keyword) || ANNOTATIONS.has(keyword) || (keyword.startsWith("x-") && keyword !== WIRE_MARKER)) continue;
    if (SELF_CONTAINED.has(keyword) && deepEqual(a[keyword], b[keyword]) && !JSON.stringify(b[keyword]).includes('"$ref"')) continue;
    problems.push(undecided(path, `the new schema adds or changes "${keyword}", which is not analysed`));
  }
  if (b[WIRE_MARKER] !== a[WIRE_MARKER]) {
    problems.push({ path: path || "/", reason: `wire type changed from ${a[WIRE_MARKER] ?? "plain JSON"} to ${b[WIRE_MARKER] ?? "plain JSON"}`, certain: true });
    return problems;
  }
  if (b.enum !== undefined || b.const !== undefined) {
    const allowed = finiteValues(b) ?? [];
    problems.push({ path: path || "/", reason: `accepted only ${describeValues(allowed)} now, any ${typesOf(a).join(" or ")} before`, certain: true });
    return problems;
  }
  const typesB = typesOf(b);
  const [type] = typesOf(a);
  if (!typesB.some((other) => typeAccepts(other, type))) {
    if (!(type === "number" && typesB.includes("integer") && isIntegerStep(a.multipleOf))) {
      problems.push({ path: path || "/", reason: `type ${type} is not accepted any more (now ${typesB.join(" | ")})`, certain: true });
      return problems;
    }
  }
  if (type === "number" || type === "integer") problems.push(...numberProblems(a, b, path));
  if (type === "string") problems.push(...stringProblems(a, b, path));
  if (type === "array") problems.push(...arrayProblems(a, b, path, ctx));
  if (type === "object") problems.push(...objectProblems(a, b, path, ctx));
  return problems;
}

function numberProblems(a: Record<string, unknown>, b: Record<string, unknown>, path: string): SubsetProblem[] {
  const problems: SubsetProblem[] = [];
  const low = (s: Record<string, unknown>) => bound(s.minimum, s.exclusiveMinimum, true);
  const high = (s: Record<string, unknown>) => bound(s.maximum, s.exclusiveMaximum, false);
  const [lowA, lowB, highA, highB] = [low(a), low(b), high(a), high(b)];
  if (lowB && (!lowA || lowA.value < lowB.value || (lowA.value === lowB.value && lowB.exclusive && !lowA.exclusive))) {
    problems.push(tightened(path, `minimum is now ${lowB.exclusive ? "> " : ""}${lowB.value}${lowA ? `, was ${lowA.exclusive ? "> " : ""}${lowA.value}` : ""}`));
  }
  if (highB && (!highA || highA.value > highB.value || (highA.value === highB.value && highB.exclusive && !highA.exclusive))) {
    problems.push(tightened(path, `maximum is now ${highB.exclusive ? "< " : ""}${highB.value}${highA ? `, was ${highA.exclusive ? "< " : ""}${highA.value}` : ""}`));
  }
  if (typeof b.multipleOf === "number") {
    const stepA = typeof a.multipleOf === "number" ? a.multipleOf : a.type === "integer" ? 1 : undefined;
    const ratio = stepA === undefined ? NaN : stepA / b.multipleOf;
    if (!(Number.isFinite(ratio) && Math.abs(ratio - Math.round(ratio)) < 1e-9 && Math.round(ratio) >= 1)) {
      problems.push(tightened(path, `must now be a multiple of ${b.multipleOf}`));
    }
  }
  return problems;
}

function stringProblems(a: Record<string, unknown>, b: Record<string, unknown>, path: string): SubsetProblem[] {
  const problems: SubsetProblem[] = [];
  const minA = num(a.minLength) ?? 0;
  const minB = num(b.minLength) ?? 0;
  if (minB > minA) problems.push(tightened(path, `minLength is now ${minB}, was ${minA}`));
  const maxB = num(b.maxLength);
  const maxA = num(a.maxLength);
  if (maxB !== undefined && (maxA === undefined || maxA > maxB)) problems.push(tightened(path, `maxLength is now ${maxB}${maxA === undefined ? "" : `, was ${maxA}`}`));
  if (b.pattern !== undefined && b.pattern !== a.pattern) {
    problems.push({ path: path || "/", reason: `pattern ${JSON.stringify(b.pattern)} is new or changed`, certain: a.pattern === undefined });
  }
  if (b.format !== undefined && b.format !== a.format) {
    problems.push({ path: path || "/", reason: `format "${String(b.format)}" is new or changed`, certain: a.format === undefined });
  }
  return problems;
}

function arrayProblems(a: Record<string, unknown>, b: Record<string, unknown>, path: string, ctx: Context): SubsetProblem[] {
  const problems: SubsetProblem[] = [];
  const [tupleA, restA] = tupleForm(a);
  const [tupleB, restB] = tupleForm(b);
  const minA = num(a.minItems) ?? 0;
  const minB = num(b.minItems) ?? 0;
  const maxA = Math.min(num(a.maxItems) ?? Infinity, restA === false ? tupleA.length : Infinity);
  const maxB = Math.min(num(b.maxItems) ?? Infinity, restB === false ? tupleB.length : Infinity);
  if (minB > minA) problems.push(tightened(path, `must now have at least ${minB} items, ${minA} before`));
  if (maxB < maxA) problems.push(tightened(path, `may now have at most ${maxB} items, ${maxA === Infinity ? "any number" : maxA} before`));
  if (b.uniqueItems === true && a.uniqueItems !== true) problems.push(tightened(path, "items must now be unique"));
  const positions = Math.max(tupleA.length, tupleB.length);
  for (let index = 0; index < positions && index < maxA; index++) {
    problems.push(...check(tupleA[index] ?? restA, tupleB[index] ?? restB, `${path}/${index}`, ctx));
  }
  if (maxA > positions) problems.push(...check(restA, restB, `${path}/*`, ctx));
  return problems;
}

function objectProblems(a: Record<string, unknown>, b: Record<string, unknown>, path: string, ctx: Context): SubsetProblem[] {
  const problems: SubsetProblem[] = [];
  const requiredA = new Set((a.required ?? []) as string[]);
  const propsA = (a.properties ?? {}) as Record<string, SchemaNode>;
  const propsB = (b.properties ?? {}) as Record<string, SchemaNode>;
  const patternsA = (a.patternProperties ?? {}) as Record<string, SchemaNode>;
  const patternsB = (b.patternProperties ?? {}) as Record<string, SchemaNode>;
  const restA = (a.additionalProperties ?? true) as SchemaNode;
  const dropped = ctx.options.dropUnknownProperties && b.additionalProperties === false;
  const restB = dropped ? true : ((b.additionalProperties ?? true) as SchemaNode);
  for (const key of (b.required ?? []) as string[]) {
    if (!requiredA.has(key)) problems.push({ path: `${path}/${escapePointer(key)}`, reason: key in propsA ? "optional before, required now" : "new required field", certain: true });
  }
  const minB = num(b.minProperties);
  if (minB !== undefined && minB > (num(a.minProperties) ?? requiredA.size)) problems.push(tightened(path, `must now have at least ${minB} properties`));
  const maxB = num(b.maxProperties);
  if (maxB !== undefined && maxB < (num(a.maxProperties) ?? Infinity)) problems.push(tightened(path, `may now have at most ${maxB} properties`));
  const schemaOfA = (key: string): SchemaNode => propsA[key] ?? Object.entries(patternsA).find(([pattern]) => matches(pattern, key))?.[1] ?? restA;
  for (const key of new Set([...Object.keys(propsA), ...Object.keys(propsB)])) {
    const fromA = schemaOfA(key);
    if (fromA === false) continue;
    const matching = Object.entries(patternsB).filter(([pattern]) => matches(pattern, key)).map(([, schema]) => schema);
    const targets = key in propsB ? [propsB[key], ...matching] : matching.length > 0 ? matching : [restB];
    const keyPath = `${path}/${escapePointer(key)}`;
    for (const target of targets) {
      const found = check(fromA, target, keyPath, ctx);
      if (found.length > 0 && target === restB && restB === false && !(key in propsB)) {
        problems.push({ path: keyPath, reason: requiredA.has(key) ? "removed (callers send it, it is rejected now)" : "removed (callers may send it, it is rejected now)", certain: true });
      } else {
        problems.push(...found);
      }
    }
  }
  // Keys named by neither side: whatever `a` allows for them must fit every schema `b` could apply.
  const unnamedA = [restA, ...Object.values(patternsA)].filter((schema) => schema !== false);
  for (const [pattern, schema] of Object.entries(patternsB)) {
    for (const source of unnamedA) problems.push(...check(source, schema, `${path}/{${pattern}}`, ctx));
  }
  for (const source of unnamedA) {
    const found = check(source, restB, `${path}/*`, ctx);
    if (found.length > 0 && restB === false) problems.push({ path: `${path}/*`, reason: "properties not declared were accepted before and are rejected now", certain: true });
    else problems.push(...found);
  }
  return problems;
}

/** A value of a finite `a` (enum, const, boolean, null): exactly decided by validating it against `b`. */
function valueProblems(value: unknown, b: Record<string, unknown>, path: string, ctx: Context): SubsetProblem[] {
  const validate = compileAgainstRoot(b, ctx.rootB);
  if (!validate) return [undecided(path, "the new schema could not be compiled to check the old values")];
  let accepted: boolean;
  try {
    accepted = validate(value);
  } catch (error) {
    // A `$ref` that reaches itself without consuming input (`T = "x" | T`) recurses forever in ajv.
    if (error instanceof RangeError) return [undecided(path, "the new schema refers to itself without end")];
    throw error;
  }
  if (accepted) return [];
  return [{ path: path || "/", reason: `${JSON.stringify(value)} was accepted and is rejected now`, certain: true }];
}

let ajv: Ajv2020 | undefined;
const compiled = new WeakMap<object, WeakMap<object, ((value: unknown) => boolean) | null>>();

function compileAgainstRoot(schema: Record<string, unknown>, root: SchemaNode): ((value: unknown) => boolean) | undefined {
  const rootKey = typeof root === "object" ? root : {};
  let byRoot = compiled.get(rootKey);
  if (!byRoot) compiled.set(rootKey, (byRoot = new WeakMap()));
  if (!byRoot.has(schema)) {
    ajv ??= addFormats.default(new Ajv2020({ strict: false, validateFormats: true }));
    const defs = typeof root === "object" ? { $defs: root.$defs, definitions: root.definitions } : {};
    try {
      const { $id: _id, $schema: _schema, ...rest } = schema;
      byRoot.set(schema, ajv.compile({ ...defs, ...rest }));
    } catch {
      byRoot.set(schema, null);
    }
  }
  return byRoot.get(schema) ?? undefined;
}

// ---- small helpers -------------------------------------------------------------------------------

function undecided(path: string, reason: string): SubsetProblem {
  return { path: path || "/", reason: `possibly breaking: ${reason}`, certain: false };
}

function tightened(path: string, reason: string): SubsetProblem {
  return { path: path || "/", reason: `constraint tightened: ${reason}`, certain: true };
}

function isUnconstrained(schema: Record<string, unknown>): boolean {
  return Object.keys(schema).every((keyword) => ANNOTATIONS.has(keyword) || (keyword.startsWith("x-") && keyword !== WIRE_MARKER));
}

function without(schema: Record<string, unknown>, keyword: string): Record<string, unknown> {
  const { [keyword]: _dropped, ...rest } = schema;
  return rest;
}

/** `schema` with `keyword` replaced by `conjunct` as one more constraint. */
function withConjunct(schema: Record<string, unknown>, keyword: string, conjunct: SchemaNode): SchemaNode {
  return conjunction(without(schema, keyword), conjunct);
}

function conjunction(rest: Record<string, unknown>, extra: SchemaNode): SchemaNode {
  if (isUnconstrained(rest)) return extra;
  if (extra === true) return rest;
  if (extra === false) return false;
  return { allOf: [rest, extra] };
}

/**
 * Merges conjuncts whose keywords do not overlap (except `properties`/`required`, which combine), the
 * usual shape of `allOf` in generated schemas; undefined when a real intersection would be needed.
 */
function mergeConjuncts(conjuncts: SchemaNode[]): Record<string, unknown> | undefined {
  const merged: Record<string, unknown> = {};
  for (const conjunct of conjuncts) {
    if (conjunct === true) continue;
    if (conjunct === false || "$ref" in conjunct || "allOf" in conjunct || "anyOf" in conjunct || "oneOf" in conjunct) return undefined;
    for (const [keyword, value] of Object.entries(conjunct)) {
      if (ANNOTATIONS.has(keyword)) continue;
      if (keyword === "required") merged.required = [...new Set([...((merged.required ?? []) as string[]), ...(value as string[])])];
      else if (keyword === "properties") {
        const existing = (merged.properties ?? {}) as Record<string, unknown>;
        for (const key of Object.keys(value as object)) if (key in existing && !deepEqual(existing[key], (value as Record<string, unknown>)[key])) return undefined;
        merged.properties = { ...existing, ...(value as object) };
      } else if (keyword in merged && !deepEqual(merged[keyword], value)) return undefined;
      else merged[keyword] = value;
    }
  }
  // Each conjunct's additionalProperties judged the others' properties: merged, that meaning changes.
  const closed = conjuncts.filter((c) => typeof c === "object" && "additionalProperties" in c);
  if (closed.length > 0 && conjuncts.filter((c) => typeof c === "object" && "properties" in c).length > 1) return undefined;
  return merged;
}

function resolveRef(ref: string, root: SchemaNode): SchemaNode | undefined {
  if (!ref.startsWith("#")) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(1).split("/").slice(1)) {
    const segment = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    if (node === null || typeof node !== "object" || !Object.hasOwn(node, segment)) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return typeof node === "boolean" || (node !== null && typeof node === "object" && !Array.isArray(node)) ? (node as SchemaNode) : undefined;
}

/** Follows `$ref`s at the top of a node (for quick structural questions, not for containment). */
function derefShallow(node: SchemaNode, root: SchemaNode): Record<string, unknown> | undefined {
  let current: SchemaNode | undefined = node;
  for (let hops = 0; hops < 32 && typeof current === "object" && typeof current.$ref === "string"; hops++) current = resolveRef(current.$ref, root);
  if (current === undefined || current === false) return undefined;
  return current === true ? {} : current;
}

/** JSON types a schema node admits by its `type` (or `const`/`enum`), `integer` kept apart from `number`. */
function typesOf(schema: Record<string, unknown>): string[] {
  const values = finiteValues(schema);
  if (values) return [...new Set(values.map(jsonType))];
  if (typeof schema.type === "string") return [schema.type];
  if (Array.isArray(schema.type)) return [...new Set(schema.type as string[])];
  return [...JSON_TYPES];
}

function typeAccepts(accepting: string, type: string): boolean {
  return accepting === type || (accepting === "number" && type === "integer");
}

function hasFiniteValues(schema: Record<string, unknown>): boolean {
  return schema.const !== undefined || Array.isArray(schema.enum);
}

/** The values of a schema that accepts finitely many: `const`, `enum`, `boolean`, `null`. */
function finiteValues(schema: Record<string, unknown>): unknown[] | undefined {
  if (schema.const !== undefined) return [schema.const];
  if (Array.isArray(schema.enum)) return schema.enum;
  if (schema.type === "boolean") return [true, false];
  if (schema.type === "null") return [null];
  return undefined;
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function isIntegerStep(step: unknown): boolean {
  return typeof step === "number" && Number.isInteger(step) && step >= 1;
}

function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** The effective bound of an inclusive and an exclusive limit on the same side (`lower`: the larger wins). */
function bound(inclusive: unknown, exclusive: unknown, lower: boolean): { value: number; exclusive: boolean } | undefined {
  const i = num(inclusive);
  const e = num(exclusive);
  if (e === undefined) return i === undefined ? undefined : { value: i, exclusive: false };
  if (i === undefined) return { value: e, exclusive: true };
  return (lower ? e >= i : e <= i) ? { value: e, exclusive: true } : { value: i, exclusive: false };
}

function tupleForm(schema: Record<string, unknown>): [SchemaNode[], SchemaNode] {
  if (Array.isArray(schema.items)) return [schema.items as SchemaNode[], (schema.additionalItems ?? true) as SchemaNode];
  return [(schema.prefixItems ?? []) as SchemaNode[], (schema.items ?? true) as SchemaNode];
}

function matches(pattern: string, key: string): boolean {
  try {
    return new RegExp(pattern, "u").test(key);
  } catch {
    return true;
  }
}

function escapePointer(key: string): string {
  return key.replace(/~/g, "~0").replace(/\//g, "~1");
}

function describeValues(values: unknown[]): string {
  const shown = values.slice(0, 5).map((value) => JSON.stringify(value)).join(", ");
  return values.length > 5 ? `${shown}, … (${values.length} values)` : shown;
}

/** The same schema text (top-level `$defs` aside), meaning the same thing in both documents. */
function sameSchema(a: Record<string, unknown>, b: Record<string, unknown>, ctx: Context): boolean {
  const strip = ({ $defs: _d, definitions: _e, $schema: _s, $id: _i, ...rest }: Record<string, unknown>) => rest;
  if (!deepEqual(strip(a), strip(b))) return false;
  const refs = [...JSON.stringify(a).matchAll(/"\$ref":"([^"]*)"/g)].map((match) => match[1]);
  return refs.length === 0 || (ctx.sameDefs && refs.every((ref) => ref.startsWith("#/$defs/") || ref.startsWith("#/definitions/")));
}

function deepEqual(x: unknown, y: unknown): boolean {
  if (x === y) return true;
  if (typeof x !== "object" || typeof y !== "object" || x === null || y === null) return false;
  if (Array.isArray(x) !== Array.isArray(y)) return false;
  const keysX = Object.keys(x);
  const keysY = Object.keys(y);
  return keysX.length === keysY.length && keysX.every((key) => Object.hasOwn(y, key) && deepEqual((x as Record<string, unknown>)[key], (y as Record<string, unknown>)[key]));
}
