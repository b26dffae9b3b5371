// What fixtures/stream-probe's producer reports through files in the folder a test gives it.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { until } from "./served-fixture.js";

const readText = (path: string) => (existsSync(path) ? readFileSync(path, "utf8") : "");

/** How many items the producer has yielded so far. */
export const produced = (dir: string) => Number(readText(join(dir, "produced")) || 0);

/** Which generators (`producer`, `relay`) have run their `finally`, sorted. */
export const finallyLines = (dir: string) => readText(join(dir, "finally")).split("\n").filter(Boolean).sort();

/**
 * Waits until the producer has stopped: its count has not moved for 10 polls in a row (bounded at
 * 20 s). Resolves to that count; throws if it never settles.
 */
export async function settledCount(dir: string): Promise<number> {
  let last = -1;
  let stableFor = 0;
  await until(() => {
    const now = produced(dir);
    stableFor = now === last ? stableFor + 1 : 0;
    last = now;
    return stableFor >= 10;
  }, 20_000);
  return last;
}
