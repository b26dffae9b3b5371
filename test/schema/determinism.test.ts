import { expect, test } from "vitest";
import { loadProject, schemasFor } from "./schema-harness.js";

const TARGETS: [string, string][] = [
  ["generics.ts", "check"],
  ["recursive.ts", "check"],
  ["unions.ts", "check"],
  ["jsdoc.ts", "check"],
];

function generateAll(reverse: boolean): string[] {
  const project = loadProject(...TARGETS.map(([file]) => file));
  const order = reverse ? [...TARGETS].reverse() : TARGETS;
  const out = new Map(order.map(([file, target]) => [file, JSON.stringify(schemasFor(project, file, target))]));
  return TARGETS.map(([file]) => out.get(file) as string);
}

test("the same program yields byte-identical schemas, whatever else was converted before", () => {
  const first = generateAll(false);
  const second = generateAll(true);
  expect(second).toEqual(first);
  const project = loadProject("generics.ts");
  expect(JSON.stringify(schemasFor(project, "generics.ts", "check"))).toBe(first[0]);
  expect(JSON.stringify(schemasFor(project, "generics.ts", "check"))).toBe(first[0]);
});

test("$defs are sorted by name", () => {
  const project = loadProject("recursive.ts");
  const defs = Object.keys(schemasFor(project, "recursive.ts", "check").input.$defs as object);
  expect(defs).toEqual([...defs].sort());
  expect(defs).toEqual(["Department", "Employee", "Json", "List_string", "TreeNode"]);
});
