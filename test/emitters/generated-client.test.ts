import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildFixture, repoRoot, type BuiltFixture } from "./build-fixture.js";
import { copyOutsideRepo, serveContext, type ServedProcess } from "./served-context.js";

/** Type-checks `main.ts` of a consumer project in-process; returns tsc's messages. */
function typeCheck(projectDir: string, source: string): string[] {
  const main = join(projectDir, "main.ts");
  writeFileSync(main, source);
  const program = ts.createProgram([main], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ["lib.es2022.d.ts", "lib.dom.d.ts", "lib.dom.asynciterable.d.ts"],
    types: [],
  });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
}

describe("generated typed client (text-pipeline)", () => {
  const cleanup: string[] = [];
  const servers: ServedProcess[] = [];
  let built: BuiltFixture;
  let consumer: string;

  beforeAll(async () => {
    built = await buildFixture("text-pipeline");
    cleanup.push(built.outDir);
    consumer = mkdtempSync(join(tmpdir(), "tschains-consumer-"));
    cleanup.push(consumer);
    writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    const installed = join(consumer, "node_modules", "@text-pipeline", "analyze-document-client");
    mkdirSync(installed, { recursive: true });
    cpSync(join(built.chainDir, "clients", "analyze-document"), installed, { recursive: true });
  });

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
  });

  it("is a zero-dependency package", () => {
    const manifest = JSON.parse(built.text("clients/analyze-document/package.json")) as Record<string, unknown>;
    expect(manifest).toMatchObject({ name: "@text-pipeline/analyze-document-client", type: "module", types: "./index.d.ts" });
    expect(manifest.dependencies).toBeUndefined();
    expect(built.text("clients/analyze-document/index.js")).not.toMatch(/\bimport\b.*\bfrom\b|require\(/);
  });

  it("type-checks a correct call with the Chainlet's own types and rejects a wrong argument", () => {
    const ok = typeCheck(
      consumer,
      `import { AnalyzeDocumentClient, RemoteError, type Report } from "@text-pipeline/analyze-document-client";
const client = new AnalyzeDocumentClient({ baseUrl: "http://127.0.0.1:1", token: "t", retries: 1, timeoutMs: 1000 });
export async function run(): Promise<Date> {
  try {
    const report: Report = await client.runRemote({ title: "T", body: "B.", publishedAt: new Date(), language: "en" }, 3);
    return report.publishedAt;
  } catch (error) {
    if (error instanceof RemoteError) console.log(error.status, error.envelope.error.chainlet);
    throw error;
  }
}
`,
    );
    expect(ok).toEqual([]);
    const wrongLanguage = typeCheck(
      consumer,
      `import { AnalyzeDocumentClient } from "@text-pipeline/analyze-document-client";
const client = new AnalyzeDocumentClient({ baseUrl: "http://127.0.0.1:1" });
void client.runRemote({ title: "T", body: "B.", publishedAt: new Date(), language: "fr" });
`,
    );
    expect(wrongLanguage.join("\n")).toMatch(/"fr"/);
    const wrongArity = typeCheck(
      consumer,
      `import { AnalyzeDocumentClient } from "@text-pipeline/analyze-document-client";
void new AnalyzeDocumentClient({ baseUrl: "x" }).runRemote("just a string");
`,
    );
    expect(wrongArity.length).toBeGreaterThan(0);
  });

  it("calls the served chain and returns typed values with Dates revived; errors throw RemoteError", async () => {
    const token = "client-test-token";
    const contexts = Object.fromEntries(
      built.ir.chainlets.map((chainlet) => [chainlet.name, copyOutsideRepo(join(built.chainDir, "chainlets", chainlet.name))]),
    );
    cleanup.push(...Object.values(contexts));
    const urls: Record<string, string> = {};
    for (const name of ["sentence-splitter", "sentiment-scorer"]) {
      const served = await serveContext(contexts[name]!, { CHAINS_AUTH_TOKEN: token });
      servers.push(served);
      urls[name] = served.url;
    }
    const entry = await serveContext(contexts["analyze-document"]!, { CHAINS_AUTH_TOKEN: token, CHAINS_DEPENDENCIES: JSON.stringify(urls) });
    servers.push(entry);

    const clientModule = await import(pathToFileURL(join(consumer, "node_modules/@text-pipeline/analyze-document-client/index.js")).href);
    const client = new clientModule.AnalyzeDocumentClient({ baseUrl: entry.url, token });
    const publishedAt = new Date("2024-05-01T10:00:00.000Z");
    const report = await client.runRemote({ title: "News", body: "Great news today. Nothing else happened.", publishedAt, language: "en" }, 2);
    expect(report.title).toBe("News");
    expect(report.publishedAt).toBeInstanceOf(Date);
    expect(report.publishedAt.getTime()).toBe(publishedAt.getTime());
    expect(report.analyzedAt).toBeInstanceOf(Date);
    expect(report.sentenceCount).toBe(2);

    const emptyBody = await client.runRemote({ title: "x", body: " ", publishedAt, language: "en" }).catch((error: unknown) => error);
    expect(emptyBody).toBeInstanceOf(clientModule.RemoteError);
    expect(emptyBody.status).toBe(422);
    expect(emptyBody.envelope.error).toMatchObject({ type: "HttpError", message: "document body is empty", chainlet: "analyze-document" });
    // The bundle's source map takes the stack back to the line of the TypeScript source that threw.
    const throwLine = readFileSync(join(repoRoot, "fixtures/text-pipeline/chain.ts"), "utf8").split("\n").findIndex((line) => line.includes('"document body is empty"')) + 1;
    expect(emptyBody.envelope.error.stack).toContain(`fixtures/text-pipeline/chain.ts:${throwLine}:`);

    const invalid = await client.runRemote({ title: "x", body: "y", publishedAt: "yesterday", language: "en" }).catch((error: unknown) => error);
    expect(invalid.status).toBe(400);
    expect(invalid.envelope.error.message).toContain("publishedAt");

    const unauthorized = await new clientModule.AnalyzeDocumentClient({ baseUrl: entry.url, token: "wrong" })
      .runRemote({ title: "x", body: "y", publishedAt, language: "en" })
      .catch((error: unknown) => error);
    expect(unauthorized).toBeInstanceOf(clientModule.RemoteError);
    expect(unauthorized.status).toBe(403);
  });

  it("retries only connection errors and 429/502/503/504, through the fetch option", async () => {
    const { AnalyzeDocumentClient, RemoteError } = await import(pathToFileURL(join(built.chainDir, "clients/analyze-document/index.js")).href);
    const report = { title: "t", publishedAt: "2024-01-01T00:00:00.000Z", analyzedAt: "2024-01-02T00:00:00.000Z", overall: "neutral", sentenceCount: 0, findings: [], summary: { firstSentence: "", wordCount: 0, topKeywords: [] } };
    const scripted = (answers: (number | "refused")[]) => {
      const seen: { url: string; authorization?: string }[] = [];
      const fetch = async (url: string, init: { headers: Record<string, string> }) => {
        seen.push({ url, authorization: init.headers.authorization });
        const next = answers.shift();
        if (next === "refused") throw new TypeError("fetch failed");
        const body = next === 200 ? report : { error: { type: "HttpError", message: `status ${next}`, chainlet: "analyze-document", stack: "", cause: null } };
        return new Response(JSON.stringify(body), { status: next, headers: { "content-type": "application/json", "retry-after": "0" } });
      };
      return { seen, fetch };
    };
    const args = [{ title: "t", body: "b", publishedAt: new Date(), language: "en" }] as const;

    const flaky = scripted(["refused", 503, 200]);
    const result = await new AnalyzeDocumentClient({ baseUrl: "http://svc/", token: "k", retries: 2, fetch: flaky.fetch }).runRemote(...args);
    expect(result.analyzedAt).toBeInstanceOf(Date);
    expect(flaky.seen).toHaveLength(3);
    expect(flaky.seen[0]).toEqual({ url: "http://svc/v1/run_remote", authorization: "Bearer k" });

    const failing = scripted([500, 200]);
    const error = await new AnalyzeDocumentClient({ baseUrl: "http://svc", retries: 3, fetch: failing.fetch }).runRemote(...args).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error.status).toBe(500);
    expect(failing.seen).toHaveLength(1);

    const exhausted = scripted([502, 502]);
    const last = await new AnalyzeDocumentClient({ baseUrl: "http://svc", retries: 1, fetch: exhausted.fetch }).runRemote(...args).catch((e: unknown) => e);
    expect(last.status).toBe(502);
    expect(exhausted.seen).toHaveLength(2);
  });
});
