import { readFileSync } from "node:fs";

// Linux reports utime/stime in clock ticks; USER_HZ is 100 on every mainstream kernel configuration.
const TICKS_PER_SECOND = 100;

/**
 * CPU seconds (user + system) the given processes have used so far, from /proc. Summed over the
 * processes of one variant it gives CPU per request: a figure a busy shared machine distorts far
 * less than requests per second. Null where /proc is not available.
 */
export function cpuSeconds(pids: readonly number[]): number | null {
  let ticks = 0;
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      return null;
    }
    // The command name (field 2) may contain spaces; fields after its closing parenthesis are fixed.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / TICKS_PER_SECOND;
}
