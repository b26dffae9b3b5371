import type { SchemaContext, TypeParser } from "../schema-context.js";
import { SchemaCode } from "../schema-codes.js";
import type { TypePath } from "../type-path.js";
import type { ts } from "ts-morph";

const COLLECTIONS = new Set(["Map", "Set", "ReadonlyMap", "ReadonlySet", "WeakMap", "WeakSet", "WeakRef"]);
const PROMISES = new Set(["Promise", "PromiseLike"]);

/** Platform classes whose instances do not survive JSON: collections and promises. */
export const rejectedBuiltinsParser: TypeParser = {
  supports(type, context) {
    const name = context.lib.globalName(type) ?? "";
    return COLLECTIONS.has(name) || PROMISES.has(name);
  },
  parse(type: ts.Type, path: TypePath, context: SchemaContext) {
    if (PROMISES.has(context.lib.globalName(type) ?? "")) {
      return context.reject(
        SchemaCode.Promise,
        path,
        "a Promise inside data cannot be sent over the wire; await it before returning, or return it as the whole result",
        type,
      );
    }
    return context.reject(
      SchemaCode.Collection,
      path,
      "Map, Set and weak collections cannot be sent over the wire; use Record<string, T> or an array",
      type,
    );
  },
};
