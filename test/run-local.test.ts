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
