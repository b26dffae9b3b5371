import { arrayParser } from "./parsers/array-parser.js";
import { binaryParser } from "./parsers/binary-parser.js";
import { classInstanceParser } from "./parsers/class-instance-parser.js";
import { dateParser } from "./parsers/date-parser.js";
import { enumParser } from "./parsers/enum-parser.js";
import { functionParser } from "./parsers/function-parser.js";
import { intersectionParser } from "./parsers/intersection-parser.js";
import { objectParser } from "./parsers/object-parser.js";
import { primitiveParser } from "./parsers/primitive-parser.js";
import { referenceParser } from "./parsers/reference-parser.js";
import { rejectedBuiltinsParser } from "./parsers/rejected-builtins-parser.js";
import { rejectedKindsParser } from "./parsers/rejected-kinds-parser.js";
import { templateLiteralParser } from "./parsers/template-literal-parser.js";
import { tupleParser } from "./parsers/tuple-parser.js";
import { unionParser } from "./parsers/union-parser.js";
import { unsupportedParser } from "./parsers/unsupported-parser.js";
import type { TypeParser } from "./schema-context.js";

/**
 * The order is the design: kinds with no JSON form first, then primitives and the platform types with a wire
 * marker (Date, typed arrays) before anything could treat them as plain objects, then containers, then named
 * types (which go to `$defs` and come back here with `inline` to build their body), then structure.
 */
export const TYPE_PARSERS: readonly TypeParser[] = [
  rejectedKindsParser,
  primitiveParser,
  templateLiteralParser,
  dateParser,
  binaryParser,
  rejectedBuiltinsParser,
  arrayParser,
  tupleParser,
  functionParser,
  classInstanceParser,
  referenceParser,
  enumParser,
  unionParser,
  intersectionParser,
  objectParser,
  unsupportedParser,
];
