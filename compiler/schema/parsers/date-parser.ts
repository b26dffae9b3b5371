import type { JsonSchema } from "../../chain-ir.js";
import type { TypeParser } from "../schema-context.js";
import { WIRE_MARKER } from "../../../runtime-node/protocol/wire-types.js";

/** `Date` travels as an RFC 3339 string; the marker tells the runtime to revive it into a `Date`. */
export const dateParser: TypeParser = {
  supports: (type, context) => context.lib.globalName(type) === "Date",
  parse: (): JsonSchema => ({ type: "string", format: "date-time", [WIRE_MARKER]: "Date" }),
};
