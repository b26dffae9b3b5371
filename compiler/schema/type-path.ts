/**
 * Where a type sits, starting at a `runRemote` parameter (`doc.meta.onDone`) or at `return`
 * (`return.items[].cb`), so a rejection points the user at the exact field.
 */
export class TypePath {
  private constructor(private readonly text: string) {}

  static root(name: string): TypePath {
    return new TypePath(name);
  }

  property(name: string): TypePath {
    return new TypePath(/^[A-Za-z_$][\w$]*$/.test(name) ? `${this.text}.${name}` : `${this.text}[${JSON.stringify(name)}]`);
  }

  /** A symbol-keyed property: `events[Symbol.iterator]`. */
  symbolKey(description: string): TypePath {
    return new TypePath(`${this.text}[Symbol.${description}]`);
  }

  /** An element of an array: `items[]`. */
  item(): TypePath {
    return new TypePath(`${this.text}[]`);
  }

  /** A tuple element: `pair[1]`. */
  element(index: number): TypePath {
    return new TypePath(`${this.text}[${index}]`);
  }

  /** Any value of an index signature or `Record`: `scores[string]`. */
  value(keyType: string): TypePath {
    return new TypePath(`${this.text}[${keyType}]`);
  }

  toString(): string {
    return this.text;
  }
}
