import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { consumerDiagnostics } from "./consumer-program.js";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const scratch = mkdtempSync(join(root, "test", "tmp-typed-fakes-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A test file a user writes; each `// expect-error` line must fail to compile, every other line must compile. */
const CONSUMER = `import { fake, runLocal } from "tschains";
import { HelloAll, SayHello } from "../../fixtures/hello/chain.js";
import { Ticker, Reader } from "./chain.js";

export async function good() {
  await runLocal(HelloAll, { overrides: [fake(SayHello, { runRemote: async (name: string) => "hi " + name })] });
  await runLocal(Reader, {
    overrides: [
      fake(SayHello, { runRemote: (name: string) => "sync " + name }),
      fake(Ticker, { runRemote: async function* () { yield 1; } }),
    ],
  });
}

export async function bad() {
  await runLocal(HelloAll, { overrides: [fake(SayHello, { runRemote: async () => 42 })] }); // expect-error
  await runLocal(HelloAll, { overrides: [fake(SayHello, { runRemote: async (name: number) => "n" })] }); // expect-error
  await runLocal(Reader, { overrides: [fake(SayHello, { runRemote: async () => "ok" }), fake(Ticker, { runRemote: async function* () { yield "one"; } })] }); // expect-error
}
`;

const CHAIN = `import { ChainletBase, depends } from "tschains";
import { SayHello } from "../../fixtures/hello/chain.js";

export class Ticker extends ChainletBase {
  async *runRemote(count: number): AsyncGenerator<number> {
    for (let i = 0; i < count; i++) yield i;
  }
}

export class Reader extends ChainletBase {
  constructor(private readonly ticker = depends(Ticker), private readonly hello = depends(SayHello)) {
    super();
  }
  async runRemote(): Promise<string> {
    for await (const n of this.ticker.runRemote(1)) return this.hello.runRemote(String(n));
    return "";
  }
}
`;

describe("typed fakes", () => {
  it("tsc rejects a fake whose runRemote has the wrong types, and accepts fakes of several classes in one call", () => {
    writeFileSync(join(scratch, "chain.ts"), CHAIN);
    const consumer = join(scratch, "consumer.ts");
    writeFileSync(consumer, CONSUMER);
    const all = consumerDiagnostics(consumer, { skipLibCheck: true, types: ["node"], paths: { tschains: [join(root, "runtime-node", "index.ts")] } });
    const errors = all.filter((d) => d.file?.fileName === consumer);
    const lines = [...new Set(errors.map((d) => d.file!.getLineAndCharacterOfPosition(d.start!).line + 1))].sort((a, b) => a - b);
    const expected = CONSUMER.split("\n").flatMap((line, index) => (line.includes("// expect-error") ? [index + 1] : []));
    expect(expected).toHaveLength(3);
    expect(lines).toEqual(expected);
    expect(all.filter((d) => d.file?.fileName !== consumer).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"))).toEqual([]);
  });
});
