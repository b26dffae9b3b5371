import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { request } from "undici";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { serveWithDashboard, type ServedWithDashboard } from "../../cli/dashboard/serve-with-dashboard.js";
import { buildFixtureChain, type BuiltChain } from "../integration/served-fixture.js";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** Screenshots of each view land here (ignored by git; docs/dashboard.png is a copy of one). */
const SHOTS = join(repoRoot, "test", ".output", "dashboard");
const TOKEN = "dashboard-test-token-0123456789abcdef";

describe("the chains serve dashboard in headless Chromium (fixtures/traced)", () => {
  let built: BuiltChain;
  let running: ServedWithDashboard;
  let browser: BrowserContext;
  let page: Page;
  let profile: string;
  let checkoutBuilt: BuiltChain;
  let checkout: ServedWithDashboard;
  let checkoutPage: Page;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    built = await buildFixtureChain("traced");
    running = await serveWithDashboard({ chainDir: built.chainDir, token: TOKEN, env: { CHAINS_RETRY_BASE_MS: "5" } });
    profile = mkdtempSync(join(tmpdir(), "tschains-chromium-"));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
      viewport: { width: 1400, height: 900 },
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    checkoutBuilt = await buildFixtureChain("checkout");
    checkout = await serveWithDashboard({ chainDir: checkoutBuilt.chainDir, env: { CHAINS_SECRET_PRICING_API_KEY: "dashboard-test" } });
    checkoutPage = await browser.newPage();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await running?.stop();
    await checkout?.stop();
    built?.remove();
    checkoutBuilt?.remove();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  /** Fills the explorer's form field generated for the `key: string` parameter, as a user does, and sends. */
  async function call(key: string): Promise<void> {
    await page.getByRole("tab", { name: "API explorer" }).click();
    await page.getByLabel("key", { exact: true }).fill(key);
    await page.getByRole("button", { name: "Send" }).click();
    await page.locator("#explorer-trace:not([hidden])").waitFor();
  }

  async function openLastTrace(spans: number): Promise<void> {
    await page.getByRole("button", { name: "View this call's trace" }).click();
    await expect.poll(() => page.locator("#trace-detail .row.span").count(), { timeout: 20_000 }).toBeGreaterThanOrEqual(spans);
  }

  it("shows the graph with every Chainlet ready, reachable by keyboard", async () => {
    await page.goto(running.dashboard.url);
    await expect.poll(() => page.locator("#graph [data-chainlet]").count(), { timeout: 20_000 }).toBe(3);
    await expect.poll(() => page.locator("#graph .node.ready").count(), { timeout: 20_000 }).toBe(3);
    await page.locator('[data-chainlet="catalog"]').focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("#chainlet h2").textContent()).toBe("Catalog (catalog)");
    await expect.poll(() => page.locator("#chainlet pre").textContent()).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
    await page.locator('[data-chainlet="storefront"]').focus();
    await page.keyboard.press(" ");
    await page.screenshot({ path: join(SHOTS, "graph-and-explorer.png"), fullPage: true });
  });

  it("runs a call from the explorer and shows its trace: one server span per hop, the retried attempt", async () => {
    await call("apples");
    await expect.poll(() => page.locator("#explorer-output").textContent()).toContain('"apples: 6 in stock"');
    expect(await page.locator("#explorer-output").textContent()).toContain("HTTP 200");
    await openLastTrace(8);
    const rows = page.locator("#trace-detail .row.span");
    expect(await rows.count()).toBe(8);
    const labels = await rows.locator(".label").allTextContents();
    for (const hop of ["storefront · storefront/runRemote", "catalog · catalog/runRemote", "inventory · inventory/runRemote"]) {
      expect(labels.some((label) => label.startsWith(hop)), `${hop} in ${labels.join(" | ")}`).toBe(true);
    }
    expect(labels.some((label) => label.includes("retry #1"))).toBe(true);
    expect(labels.some((label) => /backoff \d+ ms/.test(label))).toBe(true);
    await page.screenshot({ path: join(SHOTS, "trace.png"), fullPage: true });
  });

  it("shows a failing call's error chain with its .ts lines", async () => {
    await call("missing-3");
    await expect.poll(() => page.locator("#explorer-output").textContent()).toContain("HTTP 500");
    await openLastTrace(8);
    await expect.poll(() => page.locator("#trace-detail .error-chain").first().textContent()).toContain("no record for missing-3");
    const chain = (await page.locator("#trace-detail .error-chain").allTextContents()).join("\n");
    expect(chain).toContain("RemoteError");
    expect(chain).toMatch(/chain\.ts:\d+/);
    await page.screenshot({ path: join(SHOTS, "error-chain.png"), fullPage: true });
  });

  it("keeps what was typed when switching between the form and the raw JSON body", async () => {
    await page.getByRole("tab", { name: "API explorer" }).click();
    await page.getByLabel("key", { exact: true }).fill("pears");
    await page.getByLabel("Raw JSON").check();
    expect(JSON.parse(await page.getByLabel("Request body (JSON, keyed by parameter name)").inputValue())).toEqual({ key: "pears" });
    await page.getByLabel("Request body (JSON, keyed by parameter name)").fill(JSON.stringify({ key: "plums" }));
    await page.getByLabel("Raw JSON").uncheck();
    expect(await page.getByLabel("key", { exact: true }).inputValue()).toBe("plums");
  });

  it("lists the calls and filters them by the Chainlet chosen in the graph", async () => {
    await page.getByRole("tab", { name: "Traces" }).click();
    await page.locator('[data-chainlet="inventory"]').click();
    await expect.poll(() => page.locator("#trace-list tbody tr").count()).toBeGreaterThanOrEqual(2);
    await page.screenshot({ path: join(SHOTS, "traces.png"), fullPage: true });
  });

  it("builds the explorer's form from a nested input schema (fixtures/checkout): fieldsets, numbers with bounds, enums as selects", async () => {
    await checkoutPage.goto(checkout.dashboard.url);
    await checkoutPage.getByLabel("Chainlet", { exact: true }).selectOption("tax-rates");
    const address = checkoutPage.getByRole("group", { name: "address" });
    const subtotal = checkoutPage.getByRole("group", { name: "subtotal" });
    // Prefilled with the example body: the form's value, seen as raw JSON, is the Chainlet's example.
    const view = (await (await request(`${checkout.dashboard.url}/api/chain`)).body.json()) as { chainlets: { name: string; example: unknown }[] };
    await checkoutPage.getByLabel("Raw JSON").check();
    expect(JSON.parse(await checkoutPage.getByLabel("Request body (JSON, keyed by parameter name)").inputValue())).toEqual(view.chainlets.find((c) => c.name === "tax-rates")!.example);
    await checkoutPage.getByLabel("Raw JSON").uncheck();
    await address.getByLabel("country").fill("DE");
    await address.getByLabel("region").fill("");
    await subtotal.getByLabel("amount").fill("10000");
    await subtotal.getByLabel("currency").selectOption({ label: "EUR" });
    await checkoutPage.getByLabel("currency", { exact: true }).last().selectOption({ label: "USD" });
    await checkoutPage.getByRole("button", { name: "Send" }).click();
    await expect.poll(() => checkoutPage.locator("#explorer-output").textContent(), { timeout: 20_000 }).toContain("HTTP 200");
    const answer = JSON.parse((await checkoutPage.locator("#explorer-output .item").allTextContents()).join("")) as { rate: number; tax: { amount: number; currency: string } };
    expect(answer).toEqual({ rate: 0.19, tax: { amount: Math.round(1900 * 1.08), currency: "USD" } });
    // A field that breaks its schema is reported at the field, and nothing is sent.
    await subtotal.getByLabel("amount").fill("");
    await checkoutPage.getByRole("button", { name: "Send" }).click();
    await expect.poll(() => checkoutPage.getByRole("alert").textContent()).toContain("amount");
    expect(await subtotal.getByLabel("amount").and(checkoutPage.locator(":focus")).count()).toBe(1);
    await checkoutPage.screenshot({ path: join(SHOTS, "explorer-form.png"), fullPage: true });
    await checkoutPage.emulateMedia({ colorScheme: "dark" });
    await checkoutPage.screenshot({ path: join(SHOTS, "explorer-form-dark.png"), fullPage: true });
  });

  it("is loopback-only: refuses other hosts and cross-origin posts, and never hands out the chain's token", async () => {
    const { url } = running.dashboard;
    const rebinding = await request(`${url}/api/chain`, { headers: { host: "evil.example" } });
    expect(rebinding.statusCode).toBe(421);
    await rebinding.body.dump();
    const crossOrigin = await request(`${url}/api/call/storefront`, { method: "POST", headers: { origin: "http://evil.example", "content-type": "application/json" }, body: "{}" });
    expect(crossOrigin.statusCode).toBe(403);
    await crossOrigin.body.dump();
    for (const path of ["/", "/app.js", "/api/chain", "/api/traces"]) {
      const response = await request(`${url}${path}`);
      const text = await response.body.text();
      expect(response.statusCode).toBe(200);
      expect(text).not.toContain(TOKEN);
      expect(response.headers["access-control-allow-origin"]).toBeUndefined();
    }
    expect(new URL(url).hostname).toBe("127.0.0.1");
  });
});
