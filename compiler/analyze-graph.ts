import { diagnosticMessage } from "./diagnostic-messages.js";
import type { ClassDeclaration, SourceFile } from "ts-morph";
import type { Diagnostic } from "./diagnostics.js";
import type { EntrypointMark } from "./analyze-entrypoint.js";
import type { InjectionAnalysis } from "./analyze-depends.js";
import { extendsChainletBase } from "./find-chainlets.js";
import { nodeDiagnostic } from "./node-diagnostic.js";
import { kebabCase } from "../runtime-node/authoring/authoring.js";

/** What the graph check needs to know about one Chainlet class. */
export interface GraphNode {
  declaration: ClassDeclaration;
  className: string;
  /** Kebab-case service name. */
  name: string;
  /** Where the name came from: `remoteConfig.name` (already validated) or the class name. */
  nameSource: "config" | "class";
  entrypoint: EntrypointMark | undefined;
  injections: InjectionAnalysis[];
  inEntryFile: boolean;
}

export interface GraphAnalysis {
  entry: GraphNode | null;
  /** Human chain name (`@entrypoint("Name")` or the entry class name) and its kebab-case form. */
  displayName: string;
  chainName: string;
  /** Chainlets reachable from the entrypoint, the entrypoint included. */
  reachable: GraphNode[];
  /** For each reachable Chainlet, the Chainlet each `depends` injection resolves to. */
  targets: Map<InjectionAnalysis, GraphNode>;
  diagnostics: Diagnostic[];
}

const CLASS_NAME = /^[a-zA-Z0-9_-]+$/;
const CHAIN_NAME = /^[a-zA-Z0-9_ -]+$/;
/** What kebab-casing must produce: names of folders, services, images and Kubernetes objects. */
const KEBAB_NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * Checks the chain as a graph: names, the one entrypoint, that every `depends` target is a Chainlet,
 * no cycles, and which Chainlets the entrypoint reaches (the rest are left out with a warning).
 */
export function analyzeGraph(nodes: readonly GraphNode[], entryFile: SourceFile): GraphAnalysis {
  const diagnostics: Diagnostic[] = [];
  const byClass = new Map(nodes.map((node) => [node.declaration, node]));

  for (const node of nodes) {
    if (CLASS_NAME.test(node.nameSource === "class" ? node.className : node.name) && KEBAB_NAME.test(node.name)) continue;
    const at = node.declaration.getNameNode() ?? node.declaration;
    diagnostics.push(
      node.nameSource === "class"
        ? nodeDiagnostic(at, diagnosticMessage("CH1306", "className", node.className, node.name))
        : nodeDiagnostic(at, diagnosticMessage("CH1306", "configName", node.className, node.name)),
    );
  }
  const byName = new Map<string, GraphNode[]>();
  for (const node of nodes) byName.set(node.name, [...(byName.get(node.name) ?? []), node]);
  for (const [name, group] of byName) {
    for (const duplicate of group.slice(1)) {
      const first = group[0]!;
      const firstAt = `${first.declaration.getSourceFile().getBaseName()}:${first.declaration.getStartLineNumber()}`;
      diagnostics.push(
        nodeDiagnostic(duplicate.declaration.getNameNode() ?? duplicate.declaration, diagnosticMessage("CH1305", "duplicate", name, duplicate.className, first.className, firstAt)),
      );
    }
  }

  const targets = new Map<InjectionAnalysis, GraphNode>();
  for (const node of nodes) {
    for (const injection of node.injections) {
      if (injection.kind !== "depends") continue;
      const target = injection.target ? byClass.get(injection.target) : undefined;
      if (target) {
        targets.set(injection, target);
        continue;
      }
      const written = injection.targetNode.getText();
      const what = !injection.target
        ? `'${written}' is not a class`
        : injection.target.isAbstract()
          ? `'${written}' is abstract`
          : extendsChainletBase(injection.target)
            ? `'${written}' is declared in a library (${injection.target.getSourceFile().getFilePath()}), not in the chain's own source files`
            : `'${written}' does not extend ChainletBase`;
      diagnostics.push(nodeDiagnostic(injection.targetNode, diagnosticMessage("CH1303", "notChainlet", what)));
    }
  }

  const { entry, displayName } = findEntrypoint(nodes, entryFile, diagnostics);
  const chainName = kebabCase(displayName.trim());
  if (entry && !(CHAIN_NAME.test(displayName) && KEBAB_NAME.test(chainName))) {
    diagnostics.push(
      nodeDiagnostic(entry.entrypoint?.decorator ?? entry.declaration, diagnosticMessage("CH1306", "chainName", displayName, chainName)),
    );
  }

  reportCycles(nodes, targets, diagnostics);

  const reachable: GraphNode[] = [];
  if (entry) {
    const seen = new Set<GraphNode>([entry]);
    const queue = [entry];
    while (queue.length > 0) {
      const node = queue.shift()!;
      reachable.push(node);
      for (const injection of node.injections) {
        const target = targets.get(injection);
        if (target && !seen.has(target)) {
          seen.add(target);
          queue.push(target);
        }
      }
    }
    for (const node of nodes) {
      if (seen.has(node)) continue;
      diagnostics.push(
        nodeDiagnostic(node.declaration.getNameNode() ?? node.declaration, diagnosticMessage("CH1307", "unreachable", node.className, entry.className)),
      );
    }
  }
  return { entry, displayName, chainName, reachable, targets, diagnostics };
}

function findEntrypoint(nodes: readonly GraphNode[], entryFile: SourceFile, diagnostics: Diagnostic[]): { entry: GraphNode | null; displayName: string } {
  const marked = nodes.filter((node) => node.entrypoint);
  if (marked.length > 1) {
    const names = marked.map((node) => node.className).join(", ");
    for (const node of marked) {
      diagnostics.push(nodeDiagnostic(node.entrypoint!.decorator, diagnosticMessage("CH1302", "several", marked.length, names)));
    }
    return { entry: null, displayName: "" };
  }
  if (marked.length === 1) return { entry: marked[0]!, displayName: marked[0]!.entrypoint!.chainName };
  const local = nodes.filter((node) => node.inEntryFile);
  if (local.length === 1) return { entry: local[0]!, displayName: local[0]!.className };
  if (local.length > 1) {
    diagnostics.push(
      nodeDiagnostic(
        local[0]!.declaration.getNameNode() ?? local[0]!.declaration,
        diagnosticMessage("CH1301", "severalLocal", local.length, local.map((n) => n.className)),
      ),
    );
  } else if (nodes.length > 0) {
    diagnostics.push(
      nodeDiagnostic(entryFile, diagnosticMessage("CH1301", "noneLocal", nodes.map((n) => n.className))),
    );
  }
  return { entry: null, displayName: "" };
}

/** Reports every distinct cycle once, naming all of its members, at the `depends` call that closes it. */
function reportCycles(nodes: readonly GraphNode[], targets: Map<InjectionAnalysis, GraphNode>, diagnostics: Diagnostic[]): void {
  const state = new Map<GraphNode, "open" | "done">();
  const stack: GraphNode[] = [];
  const reported = new Set<string>();
  const visit = (node: GraphNode) => {
    state.set(node, "open");
    stack.push(node);
    for (const injection of node.injections) {
      const target = targets.get(injection);
      if (!target || injection.kind !== "depends") continue;
      if (state.get(target) === "open") {
        const members = stack.slice(stack.indexOf(target));
        const key = [...members.map((m) => m.className)].sort().join("|");
        if (reported.has(key)) continue;
        reported.add(key);
        const path = [...members, target].map((m) => m.className).join(" → ");
        diagnostics.push(nodeDiagnostic(injection.call, diagnosticMessage("CH1304", "cycle", path)));
      } else if (!state.has(target)) {
        visit(target);
      }
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of nodes) if (!state.has(node)) visit(node);
}
