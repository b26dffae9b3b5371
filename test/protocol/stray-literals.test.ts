import { readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { ENV, OTEL_ENV, SECRET_ENV_PREFIX } from "../../runtime-node/protocol/env.js";
import { MSGPACK_LEGACY_TYPE, MSGPACK_SEQ_TYPE, MSGPACK_TYPE, NDJSON_TYPE, REQUEST_ID_HEADER, ROUTES, TRACEPARENT_HEADER, JSON_TYPE } from "../../runtime-node/protocol/http.js";
import { WIRE_MARKER } from "../../runtime-node/protocol/wire-types.js";
import { ROOT, lineOf, nodes, parse, sourceFiles } from "./source-scan.js";

// The product's source; tests, docs, fixtures and the benchmarks' stand-in servers may spell the protocol.
const SOURCE_DIRS = ["api", "compiler", "diff", "emitters", "cli", "presets", "runtime-node"];
const PROTOCOL_DIR = "runtime-node/protocol/";

/** Text that must appear in no literal outside the protocol module. */
const STRAY_TEXT = [...Object.keys(ROUTES), JSON_TYPE, MSGPACK_TYPE, MSGPACK_LEGACY_TYPE, NDJSON_TYPE, MSGPACK_SEQ_TYPE, REQUEST_ID_HEADER, WIRE_MARKER];
/** Names that must not be spelled as a whole literal or property name (too common to look for inside text). */
const STRAY_NAMES = new Set<string>([...Object.values(ENV), ...Object.values(OTEL_ENV), TRACEPARENT_HEADER]);
const CHAINS_VARIABLE = new RegExp(`(?:^|[^A-Za-z_])(?:${SECRET_ENV_PREFIX}|CHAINS_[A-Z_]+)`);

function strayIn(text: string, whole: boolean): string | undefined {
  const found = STRAY_TEXT.find((literal) => text.includes(literal));
  if (found) return found;
  if (whole && STRAY_NAMES.has(text)) return text;
  return CHAINS_VARIABLE.exec(text)?.[0].replace(/^[^C]/, "");
}

const isPropertyName = (node: ts.Identifier) =>
  (ts.isPropertyAccessExpression(node.parent) || ts.isPropertyAssignment(node.parent)) && node.parent.name === node;

/** String and template literal texts, and property names, of one TypeScript file. */
function strays(file: string): string[] {
  const found: string[] = [];
  for (const node of nodes(parse(file))) {
    let hit: string | undefined;
    if (ts.isStringLiteralLike(node) && !ts.isImportDeclaration(node.parent) && !ts.isExportDeclaration(node.parent)) hit = strayIn(node.text, true);
    else if (ts.isTemplateLiteralToken(node)) hit = strayIn(node.text, false);
    else if (ts.isIdentifier(node) && isPropertyName(node)) hit = strayIn(node.text, true);
    if (hit) found.push(`${file}:${lineOf(node)}: ${hit}`);
  }
  return found;
}

describe("the protocol is spelled once", () => {
  it("has no route, media type, header, environment name or wire marker literal outside runtime-node/protocol", () => {
    const files = sourceFiles(SOURCE_DIRS, [".ts"]).filter((file) => !file.startsWith(PROTOCOL_DIR));
    expect(files.length).toBeGreaterThan(50);
    expect(files.flatMap(strays)).toEqual([]);
  });

  it("has none in the emitters' templates either", () => {
    const found = sourceFiles(["emitters/templates"], [".hbs"]).flatMap((file) =>
      readFileSync(join(ROOT, file), "utf8")
        .split("\n")
        .flatMap((line, index) => {
          const hit = strayIn(line, false);
          return hit ? [`${file}:${index + 1}: ${hit}`] : [];
        }),
    );
    expect(found).toEqual([]);
  });

  it("finds a stray when there is one", () => {
    expect(strayIn(`curl ${Object.keys(ROUTES)[0]}`, false)).toBeDefined();
    expect(strayIn("x CHAINS_FOO", false)).toBe("CHAINS_FOO");
    expect(strayIn(ENV.port, true)).toBe(ENV.port);
  });
});
