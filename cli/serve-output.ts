/** What `chains serve` prints: the ready banner and its Chainlets' log lines made readable. */
import type { ChainletLogLine, ServedChain } from "../api/serve-chain.js";
import { JSON_TYPE, RUN_REMOTE_PATH } from "../runtime-node/protocol/http.js";
import { exampleValue } from "./example-value.js";

/** The lines printed once the chain serves: its URL, every Chainlet's URL and pid, and a curl that works. */
export function readyBanner(served: Pick<ServedChain, "ir" | "url" | "chainlets">, apiKeys: string[] | undefined, paint: Paint, dashboardUrl?: string): string {
  const { ir, url, chainlets } = served;
  const entry = ir.chainlets.find((c) => c.name === ir.entrypoint)!;
  const body = JSON.stringify(exampleValue(entry.schemas.input));
  const auth = apiKeys?.length ? ` -H 'authorization: Bearer ${apiKeys[0]}'` : "";
  return (
    `\n${paint("92", "✔")} Chain "${ir.displayName}" is ready: ${paint("1", url)} (entrypoint ${entry.name})\n` +
    Object.values(chainlets).map((c) => `    ${c.name.padEnd(24)} ${c.url}  pid ${c.pid}\n`).join("") +
    (dashboardUrl ? `\nDashboard (graph, traces, API explorer): ${paint("1", dashboardUrl)}\n` : "") +
    `\nTry it:\n  curl -s ${url}${RUN_REMOTE_PATH} -H 'content-type: ${JSON_TYPE}'${auth} -d '${body.replace(/'/g, "'\\''")}'\n\n` +
    `Press Ctrl-C to stop.\n`
  );
}

export type Paint = (code: string, text: string) => string;

export function colorizer(enabled: boolean): Paint {
  return (code, text) => (enabled ? `\u001b[${code}m${text}\u001b[0m` : text);
}

const LEVELS: Record<number, [string, string]> = {
  10: ["trace", "90"],
  20: ["debug", "90"],
  30: ["info", "36"],
  40: ["warn", "93"],
  50: ["error", "91"],
  60: ["fatal", "91"],
};

/** `say-hello │ info  request completed status=200 ms=1.2`: pino's JSON made readable, prefixed by Chainlet. */
export function formatLogLine({ chainlet, line }: ChainletLogLine, paint: Paint): string {
  const prefix = paint("35", chainlet.padEnd(18)) + " │ ";
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return prefix + line;
  }
  if (typeof record !== "object" || record === null) return prefix + line;
  const { level, msg, time, pid, hostname, chainlet: _chainlet, ...rest } = record;
  const [name, color] = LEVELS[level as number] ?? ["log", "37"];
  const fields = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
  return `${prefix}${paint(color, name.padEnd(5))} ${msg ?? ""}${fields ? " " + paint("90", fields) : ""}`;
}
