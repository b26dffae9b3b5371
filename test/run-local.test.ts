import { describe, expect, it } from "vitest";
import { runLocal } from "tschains";
import { HelloAll, SayHello } from "../fixtures/hello/chain.js";

describe("runLocal", () => {
  it("runs the hello chain in-process", async () => {
    const entry = await runLocal(HelloAll);
    expect(await entry.runRemote(["Ada", "Linus"])).toBe("Hello, Ada!\nHello, Linus!");
  });

  it("replaces a dependency with a fake", async () => {
    const entry = await runLocal(HelloAll, {
      overrides: new Map([[SayHello, { runRemote: async (name: string) => `hi ${name}` }]]),
    });
    expect(await entry.runRemote(["Ada"])).toBe("hi Ada");
  });

  it("refuses direct construction and says how to do it right", () => {
    expect(() => new SayHello()).toThrow(/runLocal/);
    expect(() => new HelloAll()).toThrow(/CH2001.*runLocal/);
  });
});

describe("runLocal secrets", () => {
  it("exposes only the declared secretKeys and throws on any other key", async () => {
    const { ChainletBase, dependsContext } = await import("tschains");
    class Reader extends ChainletBase {
      static override remoteConfig = { assets: { secretKeys: ["token"] } };
      constructor(private readonly context = dependsContext()) {
        super();
      }
      runRemote(key: string): string {
        return this.context.secrets[key];
      }
    }
    const reader = await runLocal(Reader, { secrets: { token: "t-1", other: "o-1" } });
    expect(reader.runRemote("token")).toBe("t-1");
    expect(() => reader.runRemote("other")).toThrow(/CH2002.*"other".*secretKeys \(token\)/);
  });
});
