import { closeSync, openSync, readSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { rootCause } from "../runtime-node/errors/error-envelope.js";
import type { ErrorEnvelope } from "../runtime-node/protocol/error-envelope.js";
import { RemoteError } from "../runtime-node/errors/remote-error.js";
import { Transport } from "../runtime-node/transport/transport.js";
import { CLI_ENV } from "../runtime-node/protocol/env.js";
import { readServeState } from "./serve-state.js";

interface CallFlags {
  data?: string;
  chainlet?: string;
  msgpack?: boolean;
  token?: string;
}

/** `--data @file.json` reads at most this much. */
const MAX_DATA_BYTES = 32 * 1024 * 1024;

/** Where and how to call: resolved from a running `chains serve` or given as a URL. */
export interface CallTarget {
  url: string;
  chainlet: string;
  token?: string;
  /** An example request body for the Chainlet, when known (from the running serve). */
  example?: unknown;
}

/** `chains call <entry.ts | url>`. */
export function registerCallCommand(program: Command): void {
  program
    .command("call")
    .description("call the chain `chains serve` runs for an entry file, or a served Chainlet by URL")
    .argument("<target>", "the entry file given to a running `chains serve`, or a Chainlet's base URL")
    .option("-d, --data <json>", "request body as JSON, or @file.json (without it: prints an example body)")
    .option("-c, --chainlet <name>", "call this Chainlet of the served chain instead of the entrypoint")
    .option("--msgpack", "send and receive MessagePack instead of JSON")
    .option("--token <token>", `bearer token for a URL target (default: $${CLI_ENV.callToken})`)
    .action(async (target: string, flags: CallFlags) => {
      process.exitCode = await callCommand(target, flags);
    });
}

/** Finds the URL and credentials: a URL as given, else the state file of the serve running for the entry. */
export function resolveCallTarget(target: string, flags: Pick<CallFlags, "chainlet" | "token">, env: NodeJS.ProcessEnv = process.env): CallTarget | string {
  if (/^https?:\/\//i.test(target)) {
    if (!URL.canParse(target)) return `not a URL: ${target}`;
    return { url: target, chainlet: flags.chainlet ?? new URL(target).host, token: flags.token ?? env[CLI_ENV.callToken] };
  }
  const state = readServeState(resolve(target), env);
  if (!state) return `no \`chains serve\` is running for ${resolve(target)}; start one with: chains serve ${target}`;
  const name = flags.chainlet ?? state.entrypoint;
  const url = state.chainlets[name];
  if (!url) return `chain "${state.chain}" has no Chainlet "${name}"; it has ${Object.keys(state.chainlets).sort().join(", ")}`;
  // The entrypoint takes the caller's key when serve requires one; every Chainlet takes the chain's token.
  const token = flags.token ?? (name === state.entrypoint && state.apiKey ? state.apiKey : state.token);
  return { url, chainlet: name, token, example: state.examples?.[name] };
}

async function callCommand(target: string, flags: CallFlags): Promise<number> {
  const resolved = resolveCallTarget(target, flags);
  if (typeof resolved === "string") {
    process.stderr.write(`error: ${resolved}\n`);
    return 1;
  }
  if (flags.data === undefined) {
    if (resolved.example === undefined) {
      process.stderr.write(`error: give the request body with --data '<json>' or --data @file.json\n`);
      return 1;
    }
    process.stdout.write(`No --data given. An example body for ${resolved.chainlet}:\n  ${JSON.stringify(resolved.example)}\n` +
      `Call it with:\n  chains call ${target}${flags.chainlet ? ` --chainlet ${flags.chainlet}` : ""} --data '${JSON.stringify(resolved.example).replace(/'/g, "'\\''")}'\n`);
    return 0;
  }
  let body: unknown;
  try {
    body = JSON.parse(flags.data.startsWith("@") ? readBounded(flags.data.slice(1)) : flags.data);
  } catch (error) {
    process.stderr.write(`error: --data is not valid JSON: ${(error as Error).message}\n`);
    return 1;
  }
  const pretty = process.stdout.isTTY === true;
  const transport = new Transport({ authToken: resolved.token });
  try {
    const endpoint = transport.endpoint(resolved.chainlet, resolved.url, { binary: flags.msgpack === true, retries: 0 });
    for await (const item of endpoint.stream(body)) process.stdout.write(formatValue(item, pretty) + "\n");
    return 0;
  } catch (error) {
    process.stderr.write(describeCallError(error));
    return 1;
  } finally {
    await transport.close();
  }
}

function readBounded(path: string): string {
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.alloc(MAX_DATA_BYTES + 1);
    const read = readSync(fd, buffer, 0, buffer.length, null);
    if (read > MAX_DATA_BYTES) throw new Error(`${path} is larger than ${MAX_DATA_BYTES} bytes`);
    return buffer.subarray(0, read).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

/** Pretty JSON for a person at a terminal, one compact JSON value per line for a pipe. */
export function formatValue(value: unknown, pretty: boolean): string {
  const text = JSON.stringify(value, (_key, v: unknown) => (ArrayBuffer.isView(v) && !(v instanceof DataView) ? Array.from(v as unknown as ArrayLike<number>) : v), pretty ? 2 : undefined);
  return text ?? "null";
}

/**
 * An error as a person reads it: the root cause first (where the failure started, with its `.ts` line),
 * then the hops it travelled back through.
 */
export function describeCallError(error: unknown): string {
  if (!(error instanceof RemoteError)) return `error: ${(error as Error).message ?? String(error)}\n`;
  const root = rootCause(error.envelope);
  const hops: ErrorEnvelope[] = [];
  for (let e: ErrorEnvelope | null = error.envelope, depth = 0; e && depth < 64; e = e.cause, depth++) hops.push(e);
  const where = root.stack.split("\n").slice(1).find((line) => /\.ts:\d+/.test(line))?.trim();
  return (
    `error: ${root.type}${root.code ? ` ${root.code}` : ""}: ${root.code ? root.message.replace(`${root.code}: `, "") : root.message}\n` +
    `  in Chainlet "${root.chainlet}"${where ? ` ${where}` : ""}\n` +
    (hops.length > 1 ? `  through ${hops.slice(0, -1).reverse().map((h) => h.chainlet).join(" → ")}\n` : "") +
    `  (status ${error.status})\n`
  );
}
