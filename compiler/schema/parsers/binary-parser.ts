import type { JsonSchema } from "../../chain-ir.js";
import type { TypeParser } from "../schema-context.js";

import { isBinaryTypeName, WIRE_MARKER } from "../../../runtime-node/protocol/wire-types.js";

/** Binary types (`BINARY_TYPES`): base64 strings in JSON mode, raw bytes in MessagePack mode, revived to the same class. */

export const binaryParser: TypeParser = {
  supports: (type, context) => isBinaryTypeName(context.lib.globalName(type)),
  parse: (type, _path, context): JsonSchema => ({
    type: "string",
    contentEncoding: "base64",
    [WIRE_MARKER]: context.lib.globalName(type),
  }),
};
