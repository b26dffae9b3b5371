/** One file of the build output, relative to the chain's folder `<out>/<chain>/`. */
export interface EmittedFile {
  /** POSIX path relative to the chain folder. */
  path: string;
  contents: string | Uint8Array;
  /** File mode; 0o644 when absent. */
  mode?: number;
}
