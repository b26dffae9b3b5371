import { DockerfileParser, type Instruction, type Property } from "dockerfile-ast";
import { validate } from "dockerfile-utils";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml, parseAllDocuments } from "yaml";
import type { ChainIR } from "../../compiler/chain-ir.js";
import { emitChain } from "../../emitters/emit-chain.js";
import type { EmittedFile } from "../../emitters/emitted-file.js";
import { COMPILE_CACHE_DIR } from "../../emitters/deploy/container-contract.js";
import { NODE_ENV_VARIABLES } from "../../runtime-node/protocol/env.js";
import { compile, scratchFolder, writeHostileChain } from "./hostile-chain.js";

/**
 * Values the compiler lets through on purpose (a `$`, quotes, backslashes, shell syntax in a build
 * command) reach every emitted file escaped for where they go: each file parses back to exactly the value.
 * And when an IR carries what the compiler would have refused, the emitters refuse it too (CH1452).
 */
const scratch = scratchFolder("hardening-emit-");
afterAll(() => scratch.dispose());

const PRICE = `$5 for "$HOME" \\ back \${X} $$ '\t'`;
const COMMANDS = ['echo "$HOME" > /tmp/a && ls | wc -l', "echo trailing backslash \\", "echo 'ENV X=1' \\\\ ]"];

async function built(name: string, remoteConfig: string): Promise<{ ir: ChainIR; files: EmittedFile[] }> {
  const entry = writeHostileChain(scratch.dir, name, { remoteConfig });
  const { ir, diagnostics } = compile(entry);
  expect(diagnostics).toEqual([]);
  return { ir: ir!, files: await emitChain(ir!, { chainDir: join(scratch.dir, "out", name) }) };
}

function text(files: EmittedFile[], path: string): string {
  const file = files.find((each) => each.path === path);
  if (!file) throw new Error(`not emitted: ${path}`);
  return typeof file.contents === "string" ? file.contents : Buffer.from(file.contents).toString("utf8");
}

/**
 * Docker's reading of a double-quoted word (moby/buildkit shell lexer, processDoubleQuote): a backslash
 * before `"`, `\` or `$` yields that character, any other backslash stays, an unescaped `$` would be
 * substituted (so the test fails on it).
 */
function dockerDoubleQuoted(raw: string): string {
  // The template's own constants (NODE_ENV=production) are bare words without `$`, `\\` or quotes.
  if (!raw.startsWith('"')) return /^[A-Za-z0-9_./-]*$/.test(raw) ? raw : `not a plain word: ${raw}`;
  expect(raw.endsWith('"')).toBe(true);
  let out = "";
  for (let i = 1; i < raw.length - 1; i++) {
    const ch = raw[i]!;
    if (ch === "\\" && '"\\$'.includes(raw[i + 1]!)) out += raw[++i];
    else if (ch === "$") throw new Error(`unescaped $ at ${i} of ${raw}`);
    else if (ch === '"') throw new Error(`unescaped quote at ${i} of ${raw}`);
    else out += ch;
  }
  return out;
}

function rawValue(dockerfile: string, property: Property): string {
  const range = property.getValueRange()!;
  const lines = dockerfile.split("\n");
  expect(range.start.line).toBe(range.end.line);
  return lines[range.start.line]!.slice(range.start.character, range.end.character);
}

describe("escaping in every emitted file", () => {
  it("a `$`, quotes and backslashes in options.env survive the Dockerfile, Compose and Kubernetes unchanged", async () => {
    const { files } = await built("env-dollar", `{ options: { env: { PRICE: ${JSON.stringify(PRICE)}, PLAIN: "x" } } }`);
    const dockerfile = text(files, "chainlets/echo/Dockerfile");
    expect(validate(dockerfile).filter((d) => d.severity === 1)).toEqual([]);
    const env = DockerfileParser.parse(dockerfile).getInstructions().filter((i) => i.getKeyword() === "ENV");
    // The Chainlet's, then the module compile cache's (set after every other step).
    expect(env).toHaveLength(2);
    expect(env[1]!.getRawArgumentsContent()).toBe(`${NODE_ENV_VARIABLES.compileCache}=${COMPILE_CACHE_DIR}`);
    // No variable Docker would substitute at build time.
    expect(env[0]!.getVariables()).toEqual([]);
    const properties = Object.fromEntries((env[0] as unknown as { getProperties(): Property[] }).getProperties().map((p) => [p.getName(), dockerDoubleQuoted(rawValue(dockerfile, p))]));
    expect(properties).toMatchObject({ PRICE, PLAIN: "x", NODE_ENV: "production", PORT: "8080" });

    // Compose interpolates `$`: a literal dollar is `$$`, and the YAML itself is parsed, not pattern-matched.
    const compose = parseYaml(text(files, "docker-compose.yml"));
    expect(compose.services.echo.environment.PRICE).toBe(PRICE.replace(/\$/g, "$$$$"));

    // Kubernetes: the user's variables are a ConfigMap read with envFrom, which expands nothing.
    const manifests = parseAllDocuments(text(files, "k8s/echo.yaml")).map((doc) => doc.toJS());
    const configMap = manifests.find((m) => m.kind === "ConfigMap");
    expect(configMap.data.PRICE).toBe(PRICE);
  });

  it("each build command is one RUN instruction whose shell command is exactly the entry", async () => {
    const { files } = await built("commands", `{ dockerImage: { buildCommands: ${JSON.stringify(COMMANDS)}, aptRequirements: ["g++", "libvips42=8.14.1-3"] } }`);
    const dockerfile = text(files, "chainlets/echo/Dockerfile");
    const instructions = DockerfileParser.parse(dockerfile).getInstructions();
    expect(instructions.map((i) => i.getKeyword())).toEqual(["FROM", "LABEL", "RUN", "WORKDIR", "ENV", "RUN", "RUN", "RUN", "COPY", "COPY", "RUN", "USER", "ENV", "RUN", "EXPOSE", "HEALTHCHECK", "CMD"]);
    // The apt step first; the compile cache's two steps last.
    const runs = instructions.filter((i) => i.getKeyword() === "RUN").slice(1, -2) as (Instruction & { getJSONStrings(): { getJSONValue(): string }[] })[];
    expect(runs.map((run) => JSON.parse(run.getRawArgumentsContent()!))).toEqual(COMMANDS.map((command) => ["/bin/sh", "-c", command]));
    expect(dockerfile).toContain("apt-get install -y --no-install-recommends g++ libvips42=8.14.1-3 \\\n");
  });
});

describe("emitters refuse what the compiler would have refused (defence in depth)", () => {
  const hostile: Record<string, (ir: ChainIR) => void> = {
    "a newline in an env value": (ir) => (ir.chainlets[0]!.config.options.env = { GREETING: "hi\nRUN touch /x" }),
    "a reserved env name": (ir) => (ir.chainlets[0]!.config.options.env = { CHAINS_AUTH_TOKEN: "x" }),
    "an env name with a space": (ir) => (ir.chainlets[0]!.config.options.env = { "A B": "x" }),
    "a newline in a build command": (ir) => (ir.chainlets[0]!.config.dockerImage.buildCommands = ["echo a\nENV X=1"]),
    "an apt name with shell syntax": (ir) => (ir.chainlets[0]!.config.dockerImage.aptRequirements = ["curl; touch /x"]),
    "an option as an apt package": (ir) => (ir.chainlets[0]!.config.dockerImage.aptRequirements = ["--allow-unauthenticated"]),
    "a secret key that is a parent folder": (ir) => (ir.chainlets[0]!.config.assets.secretKeys = [".."]),
    "a base image that is not a reference": (ir) => (ir.chainlets[0]!.config.dockerImage.baseImage = "node:20\nRUN touch /x"),
  };
  for (const [name, corrupt] of Object.entries(hostile)) {
    it(name, async () => {
      const { ir } = await built(`defence-${name.replace(/[^a-z0-9]+/gi, "-")}`, "{}");
      corrupt(ir);
      await expect(emitChain(ir, { chainDir: join(scratch.dir, "out", "never") })).rejects.toThrow(/^CH1452: Chainlet "echo"/);
    });
  }
});
