import { describe, expect, it } from "vitest";
import type { ChainIR } from "../../compiler/chain-ir.js";
import { emitClients } from "../../emitters/emit-client.js";

const ir = {
  name: "demo",
  displayName: "Demo",
  chainlets: [
    {
      name: "echo",
      className: "Echo",
      runRemote: { parameters: [{ name: "text", optional: false }], streaming: false },
      schemas: { input: { type: "object", properties: { text: { type: "string" } } }, output: { type: "string" } },
    },
  ],
} as unknown as ChainIR;

describe("the generated client package's index.js", () => {
  it("is the runtime's client core bundled into one module with no imports, byte-identical on every build", async () => {
    const indexJs = async () => (await emitClients(ir, ir.chainlets)).get(ir.chainlets[0]!.name)!.find((file) => file.path === "index.js")!.contents;
    const first = await indexJs();
    const second = await indexJs();
    expect(second).toBe(first);
    expect(first).not.toMatch(/^\s*import\s/m);
    expect(first).not.toMatch(/\brequire\(/);
    expect(first).not.toContain(process.cwd());
    const module = await import(`data:text/javascript,${encodeURIComponent(first)}`);
    expect(module.EchoClient.name).toBe("EchoClient");
    expect(() => new module.EchoClient({})).toThrow(/EchoClient needs \{ baseUrl \}/);
  });
});
