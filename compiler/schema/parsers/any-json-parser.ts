import { ts } from "ts-morph";
import type { TypeParser } from "../schema-context.js";

/** `unknown` as any JSON value (`{}`): for files the tools write and read, not for what crosses a wire. */
export const anyJsonParser: TypeParser = {
  supports: (type) => Boolean(type.flags & ts.TypeFlags.Unknown),
  parse: () => ({}),
};
