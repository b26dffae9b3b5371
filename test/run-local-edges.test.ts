import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ChainletBase, DependencyTimeoutError, HttpError, depends, fake, runLocal } from "tschains";
import { Checkout } from "../fixtures/checkout/chain.js";

class Flaky extends ChainletBase {
  async runRemote(text: string): Promise<string> {
    return text;
  }
}

class Retrying extends ChainletBase {
  constructor(private readonly flaky = depends(Flaky, { retries: 2 })) {
    super();
  }
  async runRemote(text: string): Promise<string> {
    return this.flaky.runRemote(text);
  }
}

class Impatient extends ChainletBase {
  constructor(private readonly flaky = depends(Flaky, { timeoutSec: 0.05 })) {
    super();
  }
  async runRemote(text: string): Promise<string> {
    return this.flaky.runRemote(text);
  }
}

class FanOut extends ChainletBase {
  constructor(private readonly flaky = depends(Flaky, { concurrencyLimit: 2 })) {
    super();
  }
  async runRemote(texts: string[]): Promise<string[]> {
    return Promise.all(texts.map((text) => this.flaky.runRemote(text)));
  }
}

class Ticker extends ChainletBase {
  async *runRemote(count: number): AsyncGenerator<number> {
    for (let i = 0; i < count; i++) yield i;
  }
}

class SlowStreamReader extends ChainletBase {
  constructor(private readonly ticker = depends(Ticker, { streamingReadTimeoutSec: 0.05 })) {
    super();
  }
  async runRemote(count: number): Promise<number[]> {
    const items: number[] = [];
    for await (const item of this.ticker.runRemote(count)) items.push(item);
    return items;
  }
}

/** A fake of Flaky that fails with `failure` for the first `failures` calls, counting every call. */
function failingFake(failures: number, failure: () => Error) {
  const state = { calls: 0 };
  const override = fake(Flaky, {
    runRemote: async (text: string) => {
      state.calls++;
      if (state.calls <= failures) throw failure();
      return `ok ${text}`;
    },
  });
  return { state, override };
}

describe("runLocal applies each edge's depends options as served", () => {
  it("retries a failure the transport retries (503), with the transport's backoff, up to `retries`", async () => {
    const { state, override } = failingFake(2, () => new HttpError(503, "warming up"));
    const entry = await runLocal(Retrying, { overrides: [override], retryBaseMs: 1 });
    expect(await entry.runRemote("a")).toBe("ok a");
    expect(state.calls).toBe(3);

    const exhausted = failingFake(3, () => new HttpError(503, "still down"));
    const failing = await runLocal(Retrying, { overrides: [exhausted.override], retryBaseMs: 1 });
    await expect(failing.runRemote("a")).rejects.toThrow("still down");
    expect(exhausted.state.calls).toBe(3);
  });

  it("retries connection failures but not errors a retry cannot fix", async () => {
    const refused = failingFake(1, () => Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }));
    expect(await (await runLocal(Retrying, { overrides: [refused.override], retryBaseMs: 1 })).runRemote("b")).toBe("ok b");
    expect(refused.state.calls).toBe(2);

    for (const failure of [() => new Error("bug"), () => new HttpError(400, "bad input")]) {
      const once = failingFake(1, failure);
      await expect((await runLocal(Retrying, { overrides: [once.override], retryBaseMs: 1 })).runRemote("c")).rejects.toThrow();
      expect(once.state.calls).toBe(1);
    }
  });

  it("fails a call past timeoutSec with a timeout error naming the dependency", async () => {
    const never = fake(Flaky, { runRemote: () => new Promise<string>(() => {}) });
    const entry = await runLocal(Impatient, { overrides: [never] });
    const error = await entry.runRemote("x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyTimeoutError);
    expect((error as DependencyTimeoutError).code).toBe("CH2120");
    expect((error as Error).message).toBe('CH2120: call to "flaky" timed out after 0.05s (timeoutSec)');
  });

  it("bounds a stream's gaps by streamingReadTimeoutSec", async () => {
    const stalls = fake(Ticker, {
      runRemote: async function* () {
        yield 0;
        await new Promise(() => {});
      },
    });
    const entry = await runLocal(SlowStreamReader, { overrides: [stalls] });
    await expect(entry.runRemote(2)).rejects.toThrow('CH2123: stream from "ticker" sent no item for 0.05s (streamingReadTimeoutSec)');
    expect(await (await runLocal(SlowStreamReader)).runRemote(3)).toEqual([0, 1, 2]);
  });

  it("keeps at most concurrencyLimit calls in flight; the rest queue", async () => {
    let inFlight = 0;
    let most = 0;
    const release: Array<() => void> = [];
    const counting = fake(Flaky, {
      runRemote: async (text: string) => {
        most = Math.max(most, ++inFlight);
        await new Promise<void>((resolve) => release.push(resolve));
        inFlight--;
        return text;
      },
    });
    const entry = await runLocal(FanOut, { overrides: [counting] });
    const answer = entry.runRemote(["a", "b", "c", "d", "e"]);
    // Let every call that may start start, then release them one by one.
    for (let i = 0; i < 5; i++) {
      while (release.length === 0) await new Promise((resolve) => setImmediate(resolve));
      expect(inFlight).toBeLessThanOrEqual(2);
      release.shift()!();
    }
    expect(await answer).toEqual(["a", "b", "c", "d", "e"]);
    expect(most).toBe(2);
  });

  it("resolves each Chainlet's own dockerImage.dataDir against sourceDir, as the build does", async () => {
    const entry = await runLocal(Checkout, { secrets: { pricing_api_key: "k-123" }, sourceDir: join(import.meta.dirname, "..", "fixtures", "checkout") });
    // Only TaxRates declares a dataDir; it reads its tax table from fixtures/checkout/data.
    const { quote } = await entry.runRemote({ items: [{ sku: "TEA-001", quantity: 2 }], shipTo: { country: "DE" }, currency: "EUR" });
    expect(quote.tax).toEqual({ amount: 171, currency: "EUR" });
  });
});
