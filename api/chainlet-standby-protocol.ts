/** The messages between `chains serve --watch` and a standby process (see `chainlet-standby.ts`). */

/** Standby → serve: booted, its builtins loaded, waiting for a Chainlet to become. */
export const STANDBY_WAITING = "tschains:standby-waiting";

/** Serve → standby: become this Chainlet. */
export const STANDBY_RUN = "tschains:standby-run";

export interface StandbyRun {
  type: typeof STANDBY_RUN;
  /** The Chainlet's context folder, its working directory as for `node server.mjs`. */
  cwd: string;
  /** Its whole environment: every variable not in it is removed first. */
  env: Record<string, string>;
  /** `file:` URL of its `server.mjs`. */
  entry: string;
}
