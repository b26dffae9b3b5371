import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, type CliRun } from "./cli-run.js";

/** `chains serve <entry>` for the enclosing suite, stopped (and its state folder removed) after it. */
function servedDuringSuite(entry: string, runtimeDir: string, env: Record<string, string>): { readonly run: CliRun } {
  const handle = {} as { run: CliRun };
  beforeAll(async () => {
    handle.run = runCli(["serve", entry], env);
    await handle.run.waitFor(/is ready/);
  }, 180_000);
  afterAll(async () => {
    handle.run?.child.kill("SIGTERM");
    await handle.run?.exited;
    rmSync(runtimeDir, { recursive: true, force: true });
  });
  return handle;
}

const basket = { items: [{ sku: "TEA-001", quantity: 2 }], shipTo: { country: "DE" }, currency: "EUR" };

describe.sequential("chains call against a running chains serve (fixtures/checkout)", () => {
  // A private state folder per test file, as XDG_RUNTIME_DIR is per user.
  const runtimeDir = mkdtempSync(join(tmpdir(), "tschains-call-"));
  const env = { XDG_RUNTIME_DIR: runtimeDir, CHAINS_SECRET_PRICING_API_KEY: "pk-call-test" };
  const serve = servedDuringSuite("fixtures/checkout/chain.ts", runtimeDir, env);

  async function call(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const run = runCli(["call", ...args], env);
    const code = await run.exited;
    return { code, stdout: run.stdout(), stderr: run.stderr() };
  }

  it("finds the serve for the entry file and prints the answer as raw JSON when piped", async () => {
    const { code, stdout, stderr } = await call("fixtures/checkout/chain.ts", "--data", JSON.stringify({ request: basket }));
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout.trim().split("\n")).toHaveLength(1);
    const order = JSON.parse(stdout) as { orderId: string; quote: { total: { currency: string } } };
    expect(order.orderId).toBe("ord-tea-001x2");
    expect(order.quote.total.currency).toBe("EUR");
  }, 60_000);

  it("keeps its state file private to the user", () => {
    const dir = join(runtimeDir, "tschains");
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(statSync(join(dir, files[0]!)).mode & 0o777).toBe(0o600);
  });

  it("reads --data @file.json and calls an inner Chainlet with --chainlet and --msgpack, using the chain's token", async () => {
    const file = join(runtimeDir, "body.json");
    writeFileSync(file, JSON.stringify({ address: { country: "FR" }, subtotal: { amount: 1000, currency: "EUR" }, currency: "EUR" }));
    const { code, stdout, stderr } = await call("fixtures/checkout/chain.ts", "--chainlet", "tax-rates", "--msgpack", "--data", `@${file}`);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ rate: expect.any(Number), tax: { currency: "EUR" } });
  }, 60_000);

  it("prints an error envelope root cause first, with the .ts line, and exits non-zero", async () => {
    const { code, stderr } = await call("fixtures/checkout/chain.ts", "--data", JSON.stringify({ request: { ...basket, items: [{ sku: "ZZZ-999", quantity: 1 }] } }));
    expect(code).toBe(1);
    const lines = stderr.split("\n");
    expect(lines[0]).toBe("error: HttpError: unknown SKUs: ZZZ-999");
    expect(lines[1]).toMatch(/in Chainlet "price-quote" .*price-quote\.ts:\d+/);
    expect(stderr).toContain("through checkout");
  }, 60_000);

  it("prints an example body shaped by the input schema without --data", async () => {
    const { code, stdout } = await call("fixtures/checkout/chain.ts");
    expect(code).toBe(0);
    const example = JSON.parse(stdout.match(/--data '(.*)'/)![1]!) as { request: typeof basket };
    expect(Object.keys(example.request).sort()).toEqual(["currency", "items", "shipTo"]);
    expect(example.request.items[0]).toEqual({ sku: expect.any(String), quantity: expect.any(Number) });
  }, 60_000);

  it("calls a Chainlet by URL with the token from the environment", async () => {
    const [, url] = await serve.run.waitFor(/exchange-rates\s+(http:\S+)/);
    const anonymous = await call(url!, "--data", JSON.stringify({ amounts: [], target: "EUR" }));
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toContain("Bearer");
    const dir = join(runtimeDir, "tschains");
    const { token } = JSON.parse(readFileSync(join(dir, readdirSync(dir)[0]!), "utf8")) as { token: string };
    const run = runCli(["call", url!, "--data", JSON.stringify({ amounts: [{ amount: 100, currency: "EUR" }], to: "EUR" })], { ...env, CHAINS_CALL_TOKEN: token });
    expect(await run.exited).toBe(0);
    expect(JSON.parse(run.stdout())).toEqual([{ amount: 100, currency: "EUR" }]);
  }, 60_000);

  it("says no serve is running once it stopped (state removed on exit)", async () => {
    serve.run.child.kill("SIGTERM");
    expect(await serve.run.exited).toBe(0);
    expect(readdirSync(join(runtimeDir, "tschains"))).toEqual([]);
    const { code, stderr } = await call("fixtures/checkout/chain.ts", "--data", "{}");
    expect(code).toBe(1);
    expect(stderr).toContain("no `chains serve` is running for");
  }, 60_000);
});

describe("chains call on a streaming chain (fixtures/token-stream)", () => {
  const runtimeDir = mkdtempSync(join(tmpdir(), "tschains-call-stream-"));
  servedDuringSuite("fixtures/token-stream/chain.ts", runtimeDir, { XDG_RUNTIME_DIR: runtimeDir });

  it("prints each streamed item on its own line", async () => {
    const run = runCli(["call", "fixtures/token-stream/chain.ts", "--data", JSON.stringify({ prompt: "hi there", maxTokens: 3 })], { XDG_RUNTIME_DIR: runtimeDir });
    expect(await run.exited).toBe(0);
    expect(run.stdout().trim().split("\n").map((line) => JSON.parse(line))).toEqual([
      { index: 0, text: "HI", final: false },
      { index: 1, text: "THERE", final: false },
      { index: 2, text: "IH", final: true },
    ]);
  }, 60_000);
});
