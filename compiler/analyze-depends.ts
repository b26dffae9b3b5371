import { diagnosticMessage } from "./diagnostic-messages.js";
import { Node, SyntaxKind, ts, type CallExpression, type ClassDeclaration } from "ts-morph";
import { Ajv2020 } from "ajv/dist/2020.js";
import { DEPENDS_DEFAULTS } from "../runtime-node/authoring/remote-config.js";
import type { DependsOptions } from "./chain-ir.js";
import type { Diagnostic } from "./diagnostics.js";
import { didYouMean } from "./did-you-mean.js";
import { isRuntimeFile } from "./load-project.js";
import { compilerNodeDiagnostic, nodeDiagnostic } from "./node-diagnostic.js";
import { refersToRuntime, resolveAlias, runtimeExportNamed } from "./runtime-symbols.js";
import { loadShippedSchema, SHIPPED_SCHEMAS, shippedSchemaId } from "./shipped-schemas.js";
import { unwrap } from "./unwrap-expression.js";

export type InjectionAnalysis =
  | {
      kind: "depends";
      parameter: string;
      /** The class the first argument names, or null when it names no class. */
      target: ClassDeclaration | null;
      /** The first argument as written, where "not a Chainlet" is reported. */
      targetNode: Node;
      options: DependsOptions;
      /** The whole `depends(...)` call, which the build rewrites. */
      call: CallExpression;
    }
  | { kind: "context"; parameter: string };

/**
 * What each option must be, in words for CH1012/CH1014. The rule itself is the option's schema in
 * chain-ir.schema.json (`#/$defs/DependsOptions`), generated from the JSDoc tags of `DependsOptions`.
 */
const OPTION_EXPECTED: Record<keyof DependsOptions, string> = {
  retries: "a non-negative integer",
  timeoutSec: "a positive number of seconds",
  concurrencyLimit: "a positive integer",
  binary: "true or false",
  streamingReadTimeoutSec: "a positive number of seconds",
};

/** The runtime's injection calls, allowed only as a constructor parameter's default. */
const INJECTION_CALLS = ["depends", "dependsContext"] as const;

let optionSchemas: Ajv2020 | undefined;

/** Whether `value` is what the option's generated schema allows. */
function validOption(key: keyof DependsOptions, value: number | boolean): boolean {
  const shipped = SHIPPED_SCHEMAS.chainIr;
  optionSchemas ??= new Ajv2020({ strict: true }).addSchema(loadShippedSchema(shipped));
  const validate = optionSchemas.getSchema(`${shippedSchemaId(shipped)}#/$defs/DependsOptions/properties/${key}`);
  if (!validate) throw new Error(`chain-ir.schema.json has no schema for the depends() option ${key}; run npm run gen:schemas`);
  return validate(value) as boolean;
}

/**
 * Reads the constructor's injected parameters. Each must default to `depends(Chainlet, {literal options})`
 * or `dependsContext()`: those calls are the whole dependency graph, so they must be readable without
 * running code, and they are the spans the build rewrites into calls by name.
 */
export function analyzeDepends(cls: ClassDeclaration): { injections: InjectionAnalysis[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const injections: InjectionAnalysis[] = [];
  const className = cls.getName() ?? "default";
  const [constructor] = cls.getConstructors();
  const inherited = constructor ? undefined : inheritedInjectingConstructor(cls);
  if (inherited) {
    diagnostics.push(
      nodeDiagnostic(cls.getNameNode() ?? cls, diagnosticMessage("CH1020", "inheritedConstructor", className, inherited.getName() ?? "its base class")),
    );
  }
  const allowedCalls = new Set<ts.Node>();

  for (const parameter of constructor?.getParameters() ?? []) {
    const name = parameter.getName();
    const initializer = unwrap(parameter.getInitializer());
    if (initializer && Node.isCallExpression(initializer) && refersToRuntime(initializer.getExpression(), "dependsContext")) {
      allowedCalls.add(initializer.compilerNode);
      injections.push({ kind: "context", parameter: name });
      continue;
    }
    if (initializer && Node.isCallExpression(initializer) && refersToRuntime(initializer.getExpression(), "depends")) {
      allowedCalls.add(initializer.compilerNode);
      const injection = readDependsCall(name, initializer, diagnostics);
      if (injection) injections.push(injection);
      continue;
    }
    diagnostics.push(
      nodeDiagnostic(parameter, diagnosticMessage("CH1010", "notInjected", name, className)),
    );
  }

  // Walked on TypeScript's nodes: wrapping every node of the class in ts-morph's was most of this analysis.
  const checker = cls.getProject().getTypeChecker().compilerObject;
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && !allowedCalls.has(node)) {
      const which = runtimeExportNamed(node.expression, checker, INJECTION_CALLS);
      if (which) diagnostics.push(compilerNodeDiagnostic(node, diagnosticMessage("CH1011", "misplaced", which)));
    }
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(cls.compilerNode, visit);
  return { injections, diagnostics };
}

function readDependsCall(parameter: string, call: CallExpression, diagnostics: Diagnostic[]): InjectionAnalysis | undefined {
  const [targetArgument, optionsArgument] = call.getArguments();
  if (!targetArgument) return undefined; // tsc already reports the missing argument
  const options: DependsOptions = { ...DEPENDS_DEFAULTS };
  if (optionsArgument) readOptions(unwrap(optionsArgument) ?? optionsArgument, options, diagnostics);
  return { kind: "depends", parameter, target: classNamedBy(targetArgument), targetNode: targetArgument, options, call };
}

function readOptions(node: Node, options: DependsOptions, diagnostics: Diagnostic[]): void {
  if (!Node.isObjectLiteralExpression(node)) {
    diagnostics.push(
      nodeDiagnostic(node, diagnosticMessage("CH1012", "notObjectLiteral")),
    );
    return;
  }
  const known = Object.keys(OPTION_EXPECTED);
  for (const property of node.getProperties()) {
    if (!Node.isPropertyAssignment(property) || Node.isComputedPropertyName(property.getNameNode())) {
      diagnostics.push(nodeDiagnostic(property, diagnosticMessage("CH1012", "notPlainEntry")));
      continue;
    }
    const key = property.getNameNode().getText().replace(/^["']|["']$/g, "");
    if (!known.includes(key)) {
      diagnostics.push(
        nodeDiagnostic(property.getNameNode(), diagnosticMessage("CH1013", "unknownOption", key, didYouMean(key, known), known)),
      );
      continue;
    }
    const valueNode = property.getInitializerOrThrow();
    const value = literalValue(unwrap(valueNode) ?? valueNode);
    const expected = OPTION_EXPECTED[key as keyof DependsOptions];
    if (value === undefined) {
      diagnostics.push(nodeDiagnostic(valueNode, diagnosticMessage("CH1012", "notLiteral", key, expected)));
      continue;
    }
    if (!validOption(key as keyof DependsOptions, value)) {
      diagnostics.push(nodeDiagnostic(valueNode, diagnosticMessage("CH1014", "invalidValue", key, expected, JSON.stringify(value))));
      continue;
    }
    (options as unknown as Record<string, number | boolean>)[key] = value;
  }
}

/** A number or boolean literal (negative numbers included), else undefined. */
function literalValue(node: Node): number | boolean | undefined {
  if (Node.isNumericLiteral(node)) return node.getLiteralValue();
  if (Node.isTrueLiteral(node) || Node.isFalseLiteral(node)) return node.getLiteralValue();
  if (Node.isPrefixUnaryExpression(node) && node.getOperatorToken() === SyntaxKind.MinusToken) {
    const operand = node.getOperand();
    if (Node.isNumericLiteral(operand)) return -operand.getLiteralValue();
  }
  return undefined;
}

function classNamedBy(node: Node): ClassDeclaration | null {
  const symbol = resolveAlias(node.getSymbol());
  const declaration = symbol?.getDeclarations().find((d) => Node.isClassDeclaration(d));
  return declaration && Node.isClassDeclaration(declaration) ? declaration : null;
}

/**
 * The nearest base class (below ChainletBase) whose constructor takes parameters. Injections are recorded
 * as spans inside the Chainlet's own class, so they cannot come from a base class.
 */
function inheritedInjectingConstructor(cls: ClassDeclaration): ClassDeclaration | undefined {
  for (let current = cls.getBaseClass(); current && !isRuntimeFile(current.getSourceFile().getFilePath()); current = current.getBaseClass()) {
    const [constructor] = current.getConstructors();
    if (constructor) return constructor.getParameters().length > 0 ? current : undefined;
  }
  return undefined;
}
