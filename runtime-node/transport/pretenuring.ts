/** The V8 flag a Chainlet that calls out runs with on Node 20 (see {@link stopPretenuring}). */
export const NO_PRETENURING_FLAG = "--no-allocation-site-pretenuring";

/**
 * Whether this Node's V8 gets the flag: Node 20's (V8 11). On Node 24 the state below was never seen
 * (its young generation is larger) and the flag only made the entry scavenge more often.
 */
export const PRETENURING_STOPPED = Number(process.versions.node.split(".")[0]) < 22;

/**
 * Turns off V8's allocation-site pretenuring in this process where {@link PRETENURING_STOPPED}: done
 * once, when the first dependency pool is made (a Chainlet that calls nobody never loads `node:v8`).
 *
 * V8 decides per allocation site, from the share of its objects that survived a scavenge, to allocate
 * them in the old generation from then on, and does not go back. In a Chainlet that calls out, its
 * statistics show some of the request path's sites tenured under load; their objects then die in the
 * old generation, and until the next mark-compact every young object they point to (the rest of the
 * request: headers, buffers, the answer) survives each scavenge and is promoted. `hop`'s entry on
 * Node 20: 1.4–2.1 MB surviving and 1.3–1.9 MB promoted per scavenge, against 0.2–0.3 and 0.1–0.2 MB,
 * and scavenges 3–4× as long, in some processes of the same build and not in others; with the flag
 * off, in none (bench/README.md, "Hop and fan-out (session 6)").
 */
export async function stopPretenuring(): Promise<void> {
  if (!PRETENURING_STOPPED) return;
  const { setFlagsFromString } = await import("node:v8");
  setFlagsFromString(NO_PRETENURING_FLAG);
}
