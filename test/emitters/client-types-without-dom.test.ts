import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consumerDiagnostics } from "../consumer-program.js";
import { buildFixture, type BuiltFixture } from "./build-fixture.js";

/** A consumer of the generated clients of the token-stream chain (both stream tokens). */
const CONSUMER = `import { TokenGeneratorClient, type Token } from "./clients/token-generator/index.js";
import { ShoutClient } from "./clients/shout/index.js";

export async function use(): Promise<string> {
  const tokens = new TokenGeneratorClient({ baseUrl: "http://127.0.0.1:8080", token: "t", retries: 1 });
  let text = "";
  for await (const token of tokens.runRemote("hi", 3)) text += (token satisfies Token).text;
  const shout = new ShoutClient({ baseUrl: "http://127.0.0.1:8081" });
  for await (const token of shout.runRemote("hi")) text += token.text;
  return text;
}
`;

function typeErrors(dir: string, options: ts.CompilerOptions, source = CONSUMER): string[] {
  const consumer = join(dir, "consumer.ts");
  writeFileSync(consumer, source);
  return consumerDiagnostics(consumer, options).map((d) => `${d.file?.fileName ?? ""} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
}

describe("the generated client's index.d.ts", () => {
  let built: BuiltFixture;
  beforeAll(async () => {
    built = await buildFixture("token-stream");
  });
  afterAll(() => rmSync(built.outDir, { recursive: true, force: true }));

  it("type-checks in a consumer with lib ES2022 only: no DOM, no Node types", () => {
    expect(typeErrors(built.chainDir, { lib: ["lib.es2022.d.ts"], types: [] })).toEqual([]);
  });

  it("accepts the platform's fetch where DOM types are present", () => {
    const withFetch = CONSUMER.replace('{ baseUrl: "http://127.0.0.1:8081" }', '{ baseUrl: "http://127.0.0.1:8081", fetch: globalThis.fetch }');
    expect(withFetch).toContain("globalThis.fetch");
    expect(typeErrors(built.chainDir, { lib: ["lib.es2022.d.ts", "lib.dom.d.ts"], types: [] }, withFetch)).toEqual([]);
  });
});
