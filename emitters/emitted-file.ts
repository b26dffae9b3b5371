/** One file of the build output, relative to the chain's folder `<out>/<chain>/`. */
export interface EmittedFile {
  /** POSIX path relative to the chain folder. */
  path: string;
  contents: string | Uint8Array;
  /** File mode; 0o644 when absent. */
  mode?: number;
  /**
   * SHA-256 (hex) of `contents`, given for a file that many Chainlet contexts carry byte for byte (the
   * runtime): hashed once, not once per context, and the output writer hard-links its copies.
   */
  digest?: string;
}
