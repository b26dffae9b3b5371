import { Document } from "yaml";

/**
 * YAML texts by the JSON of the object and comment printed, kept across rebuilds (`EmitCache`): printing
 * YAML is most of emitting the manifests and the Compose file (≈ 0.3 s for 50 Chainlets) and a rebuild
 * changes few objects.
 */
export type PrintedYaml = Map<string, string>;
/** The oldest printed texts go first past this many. */
const MAX_PRINTED_YAML = 4096;

/** `value` as one YAML document (no line folding) with `comment` before it; from `printed` when it was printed before. */
export function printYaml(value: unknown, comment: string | undefined, printed: PrintedYaml | undefined): string {
  const key = printed && JSON.stringify([value, comment ?? null]);
  const known = key === undefined ? undefined : printed!.get(key);
  if (known !== undefined) return known;
  const doc = new Document(value);
  if (comment) doc.commentBefore = comment;
  const text = doc.toString({ lineWidth: 0 });
  if (key !== undefined) {
    printed!.set(key, text);
    if (printed!.size > MAX_PRINTED_YAML) printed!.delete(printed!.keys().next().value!);
  }
  return text;
}
