import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { ChainIR } from "../compiler/chain-ir.js";
import { validateIr } from "../compiler/validate-ir.js";

/** A `chain.json` larger than this is not a build of ours. */
const MAX_CHAIN_JSON_BYTES = 64 * 1024 * 1024;

/** A build `chains diff` cannot read, with a message for the user. */
export class BuildLoadError extends Error {
  override name = "BuildLoadError";
}

/**
 * The chain IR of a build given as a `chain.json`, a chain folder (`<out>/<chain>/`) or an output
 * folder holding exactly one chain (`<out>/`). Validated against the IR schema.
 */
export function loadBuild(path: string): ChainIR {
  const file = locateChainJson(path);
  const size = statSync(file).size;
  if (size > MAX_CHAIN_JSON_BYTES) throw new BuildLoadError(`${file} is ${size} bytes, more than a chain.json can be`);
  let ir: ChainIR;
  try {
    ir = JSON.parse(readFileSync(file, "utf8")) as ChainIR;
  } catch (error) {
    throw new BuildLoadError(`${file} is not JSON: ${(error as Error).message}`);
  }
  const problems = validateIr(ir);
  if (problems.length > 0) throw new BuildLoadError(`${file} is not a tschains chain.json: ${problems.slice(0, 5).join("; ")}`);
  return ir;
}

function locateChainJson(path: string): string {
  if (!existsSync(path)) throw new BuildLoadError(`${path} does not exist`);
  if (!statSync(path).isDirectory()) return path;
  if (existsSync(join(path, "chain.json"))) return join(path, "chain.json");
  const chains = readdirSync(path, { withFileTypes: true }).filter((entry) => entry.isDirectory() && existsSync(join(path, entry.name, "chain.json")));
  if (chains.length === 1) return join(path, chains[0].name, "chain.json");
  if (chains.length === 0) throw new BuildLoadError(`${path} holds no chain.json (give a chain.json or a build folder)`);
  throw new BuildLoadError(`${path} holds several chains (${chains.map((entry) => entry.name).join(", ")}): give one <out>/<chain> folder`);
}
