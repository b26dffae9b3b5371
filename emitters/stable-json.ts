/** Pretty JSON with a trailing newline; key order is the producer's, which the compiler keeps stable. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + "\n";
}
