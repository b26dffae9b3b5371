import type { JsonSchema } from "../../chain-ir.js";
import type { TypeParser } from "../schema-context.js";

/** `Date` travels as an RFC 3339 string; the marker tells the runtime to revive it into a `Date`. */
export const dateParser: TypeParser = {
  supports: (type, context) => context.lib.globalName(type) === "Date",
  parse: (): JsonSchema => ({ type: "string", format: "date-time", "x-tschains-type": "Date" }),
};
