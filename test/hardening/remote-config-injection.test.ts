import { afterAll, describe, expect, it } from "vitest";
import { isImageReference } from "../../compiler/image-reference.js";
import { locateText } from "../compiler/locate-text.js";
import { compile, scratchFolder, writeHostileChain } from "./hostile-chain.js";

/**
 * Build-time injection classes: each hostile `remoteConfig` value is refused by the compiler with a
 * diagnostic that names the field and index and points at the value in the source.
 */
const scratch = scratchFolder("hardening-config-");
afterAll(() => scratch.dispose());

const json = (value: unknown) => JSON.stringify(value);

interface Case {
  remoteConfig: string;
  /** Every diagnostic of the run: code, message, and the source text it points at. */
  expected: { code: string; message: RegExp; at: string }[];
}

const cases: Record<string, Case> = {
  "newline in baseImage": {
    remoteConfig: `{ dockerImage: { baseImage: ${json("node:20\nRUN touch /x")} } }`,
    expected: [{ code: "CH1220", message: /^remoteConfig\.dockerImage\.baseImage must be an image reference .*got "node:20\\nRUN touch \/x"\.$/, at: '"node:20' }],
  },
  "shell syntax in baseImage": {
    remoteConfig: `{ dockerImage: { baseImage: "node:20 AS x" } }`,
    expected: [{ code: "CH1220", message: /baseImage must be an image reference/, at: '"node:20 AS x"' }],
  },
  "newline, ';', '&&' and an option as apt packages": {
    remoteConfig: `{ dockerImage: { aptRequirements: ["curl", ${json("curl\nRUN touch /x")}, "curl; touch /x", "curl && touch /x", "--allow-unauthenticated"] } }`,
    expected: [
      { code: "CH1221", message: /^remoteConfig\.dockerImage\.aptRequirements\[1\] must be one Debian package name/, at: '"curl\\n' },
      { code: "CH1221", message: /aptRequirements\[2\].*got "curl; touch \/x"/, at: '"curl;' },
      { code: "CH1221", message: /aptRequirements\[3\].*got "curl && touch \/x"/, at: '"curl &&' },
      { code: "CH1221", message: /aptRequirements\[4\].*got "--allow-unauthenticated"/, at: '"--allow' },
    ],
  },
  "npm specs that are not registry packages": {
    remoteConfig: `{ dockerImage: { npmRequirements: ["sharp@0.33.5", "left-pad; rm -rf /", "git+https://example.com/x.git", "file:../outside", "--save"] } }`,
    expected: [
      { code: "CH1222", message: /^remoteConfig\.dockerImage\.npmRequirements\[1\] must be a registry package .*got "left-pad; rm -rf \/": a directory spec/, at: '"left-pad;' },
      { code: "CH1222", message: /npmRequirements\[2\].*a git spec/, at: '"git+' },
      { code: "CH1222", message: /npmRequirements\[3\].*a directory spec/, at: '"file:' },
      { code: "CH1222", message: /npmRequirements\[4\]/, at: '"--save"' },
    ],
  },
  "a newline in a build command": {
    remoteConfig: `{ dockerImage: { buildCommands: ["echo ok", ${json("echo a\nENV CHAINS_AUTH_TOKEN=x")}] } }`,
    expected: [{ code: "CH1223", message: /^remoteConfig\.dockerImage\.buildCommands\[1\] must be one shell command on one line/, at: '"echo a\\n' }],
  },
  "an absolute or root-escaping dataDir": {
    remoteConfig: `{ dockerImage: { dataDir: "/etc/ssl/certs/.." } }`,
    expected: [{ code: "CH1226", message: /^remoteConfig\.dockerImage\.dataDir must be a folder relative to the Chainlet's file/, at: '"/etc/ssl' }],
  },
  "runtime variables in options.env": {
    remoteConfig: `{ options: { env: { CHAINS_AUTH_TOKEN: "x", PORT: "1", NODE_OPTIONS: "--require /tmp/x.js", CHAINS_SECRET_DB: "y", OTEL_SERVICE_NAME: "ok" } } }`,
    expected: [
      { code: "CH1224", message: /^remoteConfig\.options\.env cannot set CHAINS_AUTH_TOKEN: /, at: "CHAINS_AUTH_TOKEN:" },
      { code: "CH1224", message: /cannot set PORT/, at: "PORT:" },
      { code: "CH1224", message: /cannot set NODE_OPTIONS/, at: "NODE_OPTIONS:" },
      { code: "CH1224", message: /cannot set CHAINS_SECRET_DB/, at: "CHAINS_SECRET_DB:" },
    ],
  },
  "a newline in an env value": {
    remoteConfig: `{ options: { env: { GREETING: ${json("hi\nENV PORT=1")} } } }`,
    expected: [{ code: "CH1224", message: /^remoteConfig\.options\.env\.GREETING must be one line without control characters/, at: '"hi\\n' }],
  },
  "an env name that is no variable name": {
    remoteConfig: `{ options: { env: { "1BAD": "x", "A B": "y" } } }`,
    expected: [{ code: "CH1210", message: /^remoteConfig\.options\.env: "1BAD" is not a valid environment variable name\.$/, at: "{ \"1BAD\"" }],
  },
  "secret keys that are paths or collide": {
    remoteConfig: `{ assets: { secretKeys: [".", "..", "api.key", "api_key", "apiKey", "API_KEY"] } }`,
    expected: [
      { code: "CH1225", message: /^remoteConfig\.assets\.secretKeys\[0\] must be a letter followed by letters, digits or '_'/, at: '"."' },
      { code: "CH1225", message: /secretKeys\[1\] must be a letter/, at: '".."' },
      { code: "CH1225", message: /secretKeys\[2\] must be a letter/, at: '"api.key"' },
      { code: "CH1225", message: /"apiKey" and "api_key" both become the variable CHAINS_SECRET_API_KEY/, at: '"apiKey"' },
      { code: "CH1225", message: /"API_KEY" and "api_key" both become the variable CHAINS_SECRET_API_KEY/, at: '"API_KEY"' },
    ],
  },
  "a 300-character remoteConfig.name": {
    remoteConfig: `{ name: ${json("n".repeat(300))} }`,
    expected: [{ code: "CH1320", message: /^remoteConfig\.name of Echo makes a service name of 300 characters; the limit is 63/, at: "Echo extends" }],
  },
};

describe("hostile remoteConfig values are refused with a located diagnostic", () => {
  for (const [name, { remoteConfig, expected }] of Object.entries(cases)) {
    it(name, () => {
      const entry = writeHostileChain(scratch.dir, name.replace(/[^a-z0-9]+/gi, "-"), { remoteConfig });
      const { ir, diagnostics } = compile(entry);
      expect(ir).toBeNull();
      const got = diagnostics.map((d) => ({ code: d.code, message: d.message, file: d.file, line: d.line, column: d.column }));
      expect(got).toEqual(
        expected.map((e) => ({ code: e.code, message: expect.stringMatching(e.message), file: entry, ...locateText(entry, e.at) })),
      );
    });
  }
});

describe("names fit DNS labels and file systems", () => {
  it("a 300-character chain name (359 in kebab-case) is a CH1320 diagnostic, not an ENAMETOOLONG crash", () => {
    const entry = writeHostileChain(scratch.dir, "long-chain-name", { chainName: "Chain".repeat(60) });
    const { ir, diagnostics } = compile(entry);
    expect(ir).toBeNull();
    expect(diagnostics.map((d) => [d.code, d.message, d.line])).toEqual([
      ["CH1320", expect.stringMatching(/^Chain name 'ChainChain.*\.\.\.' makes a folder name of 359 characters; the limit is 63/), 3],
    ]);
  });

  it("a 64-character class name is refused and a 63-character one builds", () => {
    const long = compile(writeHostileChain(scratch.dir, "class-64", { className: "E" + "x".repeat(63) }));
    expect(long.diagnostics.map((d) => d.code)).toEqual(["CH1320"]);
    const fits = compile(writeHostileChain(scratch.dir, "class-63", { className: "E" + "x".repeat(62) }));
    expect(fits.diagnostics).toEqual([]);
    expect(fits.ir?.chainlets.map((c) => c.name.length)).toEqual([63]);
  });
});

describe("what stays allowed", () => {
  it("accepts real image references, Debian and npm specs, commands with shell syntax, user env and secrets", () => {
    const remoteConfig = `{
      dockerImage: {
        baseImage: "registry.example.com:5000/team/node:20-slim@sha256:${"a".repeat(64)}",
        aptRequirements: ["ca-certificates", "libvips42=8.14.1-3", "libc6:amd64", "g++"],
        npmRequirements: ["sharp@0.33.5", "@img/sharp-linux-x64@^0.33", "left-pad", "lodash@latest"],
        buildCommands: ["echo \\"$HOME\\" > /tmp/x && ls | wc -l"],
      },
      options: { env: { OTEL_SERVICE_NAME: "echo", LOG_LEVEL: "debug", PRICE: "$5" } },
      assets: { secretKeys: ["hf_access_token", "dbPassword"] },
    }`;
    const { ir, diagnostics } = compile(writeHostileChain(scratch.dir, "allowed", { remoteConfig }));
    expect(diagnostics).toEqual([]);
    expect(ir?.chainlets[0]?.config.options.env).toEqual({ OTEL_SERVICE_NAME: "echo", LOG_LEVEL: "debug", PRICE: "$5" });
  });

  it("parses image references by the distribution grammar", () => {
    for (const good of ["node", "node:20-slim", "library/node:20", "localhost:5000/x", "[::1]:5000/a/b:c", "ghcr.io/a-b/c_d.e:v1.2", `node@sha256:${"0".repeat(64)}`]) {
      expect([good, isImageReference(good)]).toEqual([good, true]);
    }
    for (const bad of ["", "Node", "node:", "node:20\nRUN x", "node:20 AS x", "-node", "node@sha256:abc", "a//b", `node:${"t".repeat(129)}`, `${"a".repeat(256)}:1`]) {
      expect([bad, isImageReference(bad)]).toEqual([bad, false]);
    }
  });
});
