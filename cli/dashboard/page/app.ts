// The dashboard page: vanilla DOM, bundled by esbuild (see ../page-assets.ts). Every text goes in as a
// text node, never as HTML: log lines, error messages and span names come from the chain.

import { JSON_TYPE, TRACEPARENT_HEADER } from "../../../runtime-node/protocol/http.js";
import type { ChainletState, ChainView } from "../dashboard-server.js";
import type { StoredSpan as Span, TraceSummary } from "../trace-store.js";
import { schemaForm, type SchemaForm } from "./schema-form.js";

type Child = Node | string | null | undefined | false;

function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  // Styles through the CSSOM: the page's Content-Security-Policy blocks inline style attributes.
  for (const [key, value] of Object.entries(attrs)) key === "style" ? (element.style.cssText = value) : element.setAttribute(key, value);
  for (const child of children) if (child) element.append(child);
  return element;
}

function svg(tag: string, attrs: Record<string, string | number> = {}, ...children: Child[]): SVGElement {
  const element = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs)) element.setAttribute(key, String(value));
  for (const child of children) if (child) element.append(child);
  return element;
}

const state = {
  chain: undefined as ChainView | undefined,
  traces: [] as TraceSummary[],
  selected: undefined as string | undefined,
  tab: "traces" as "traces" | "explorer",
  trace: undefined as string | undefined,
};

const app = document.getElementById("app")!;
app.textContent = "";
const left = h("section", { "aria-labelledby": "graph-title" });
const right = h("section", { "aria-label": "Traces and API explorer" });
app.append(left, right);
const graphBox = h("div", { id: "graph" });
const chainletBox = h("div", { id: "chainlet" });
left.append(h("h2", { id: "graph-title" }, "Chain"), graphBox, chainletBox);

const tabs = h("nav", { role: "tablist", "aria-label": "Views" });
const tracesTab = h("button", { role: "tab", id: "tab-traces" }, "Traces");
const explorerTab = h("button", { role: "tab", id: "tab-explorer" }, "API explorer");
tabs.append(tracesTab, explorerTab);
const tracesPanel = h("div", { role: "tabpanel", "aria-labelledby": "tab-traces", id: "traces" });
const explorerPanel = h("div", { role: "tabpanel", "aria-labelledby": "tab-explorer", id: "explorer" });
right.append(tabs, tracesPanel, explorerPanel);
tracesTab.addEventListener("click", () => showTab("traces"));
explorerTab.addEventListener("click", () => showTab("explorer"));

function showTab(tab: "traces" | "explorer"): void {
  state.tab = tab;
  tracesTab.setAttribute("aria-selected", String(tab === "traces"));
  explorerTab.setAttribute("aria-selected", String(tab === "explorer"));
  tracesPanel.hidden = tab !== "traces";
  explorerPanel.hidden = tab !== "explorer";
}

function selectChainlet(name: string): void {
  state.selected = name;
  explorerSelect.value = name;
  fillExample();
  renderChain();
  renderTraces();
}

// ---- graph and Chainlet details ----

function depths(chain: ChainView): Map<string, number> {
  const depth = new Map<string, number>([[chain.entrypoint, 0]]);
  for (let changed = true, guard = 0; changed && guard < chain.chainlets.length + 1; guard++) {
    changed = false;
    for (const edge of chain.edges) {
      const next = (depth.get(edge.from) ?? 0) + 1;
      if ((depth.get(edge.to) ?? -1) < next) {
        depth.set(edge.to, next);
        changed = true;
      }
    }
  }
  return depth;
}

function renderChain(): void {
  const chain = state.chain;
  if (!chain) return;
  const depth = depths(chain);
  const columns = new Map<number, string[]>();
  for (const c of chain.chainlets) {
    const d = depth.get(c.name) ?? 0;
    columns.set(d, [...(columns.get(d) ?? []), c.name]);
  }
  const W = 170, H = 54, GX = 60, GY = 24;
  const position = new Map<string, { x: number; y: number }>();
  for (const [d, names] of columns) names.forEach((name, i) => position.set(name, { x: 10 + d * (W + GX), y: 10 + i * (H + GY) }));
  const width = 20 + Math.max(...[...columns.keys()].map((d) => d + 1)) * (W + GX);
  const height = 20 + Math.max(...[...columns.values()].map((n) => n.length)) * (H + GY);
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, width: "100%", role: "group", "aria-label": "Chain graph: Chainlets and their dependencies" });
  root.append(svg("defs", {}, svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto" }, svg("path", { d: "M0,0 L10,5 L0,10 z", class: "edge-head", fill: "currentColor" }))));
  for (const edge of chain.edges) {
    const a = position.get(edge.from), b = position.get(edge.to);
    if (!a || !b) continue;
    const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2;
    root.append(svg("path", { class: "edge", d: `M${x1},${y1} C${x1 + GX / 2},${y1} ${x2 - GX / 2},${y2} ${x2},${y2}`, "marker-end": "url(#arrow)" }));
    if (edge.label) root.append(svg("text", { x: (x1 + x2) / 2 - 20, y: (y1 + y2) / 2 - 4 }, edge.label));
  }
  for (const c of chain.chainlets) {
    const p = position.get(c.name)!;
    const node = svg(
      "g",
      { class: `node ${c.state}${c.isEntrypoint ? " entry" : ""}`, tabindex: 0, role: "button", "aria-label": `${c.className} (${c.name}), ${c.state}${c.isEntrypoint ? ", entrypoint" : ""}`, "data-chainlet": c.name, "aria-pressed": String(state.selected === c.name) },
      svg("rect", { x: p.x, y: p.y, width: W, height: H, rx: 6 }),
      svg("text", { x: p.x + 8, y: p.y + 18, "font-weight": 600 }, c.className),
      svg("text", { x: p.x + 8, y: p.y + 34 }, `${c.name} · ${c.state}`),
      svg("text", { x: p.x + 8, y: p.y + 48, class: "muted" }, c.compute),
    );
    node.addEventListener("click", () => selectChainlet(c.name));
    node.addEventListener("keydown", (event) => {
      const key = (event as KeyboardEvent).key;
      if (key === "Enter" || key === " ") {
        event.preventDefault();
        selectChainlet(c.name);
      }
    });
    root.append(node);
  }
  const focused = document.activeElement?.getAttribute("data-chainlet");
  graphBox.replaceChildren(root);
  if (focused) (graphBox.querySelector(`[data-chainlet="${CSS.escape(focused)}"]`) as SVGElement | null)?.focus();

  const chosen = chain.chainlets.find((c) => c.name === state.selected) ?? chain.chainlets.find((c) => c.isEntrypoint)!;
  chainletBox.replaceChildren(
    h("h2", {}, `${chosen.className} (${chosen.name})`),
    h("p", {}, h("span", { class: `state ${chosen.state}` }, chosen.state), chosen.reason ? ` — ${chosen.reason}` : "", chosen.url ? h("span", { class: "muted" }, ` · ${chosen.url}`) : ""),
    h("h3", {}, "Recent log lines"),
    h("pre", { "aria-label": `Recent log lines of ${chosen.name}`, tabindex: "0" }, chosen.logs.slice(-30).join("\n") || "(none yet)"),
  );
}

// ---- traces ----

const traceList = h("div", { id: "trace-list" });
const traceDetail = h("div", { id: "trace-detail" });
tracesPanel.append(h("h2", {}, "Calls"), traceList, traceDetail);

function renderTraces(): void {
  const shown = state.selected ? state.traces.filter((t) => t.services.includes(state.selected!)) : state.traces;
  const table = h("table", { "aria-label": "Recent calls" }, h("thead", {}, h("tr", {}, h("th", {}, "call"), h("th", {}, "spans"), h("th", {}, "duration"), h("th", {}, "status"))));
  const body = h("tbody");
  for (const t of shown.slice(0, 30)) {
    const open = h("button", { "data-trace": t.traceId, "aria-label": `Open trace ${t.name}, ${t.errors ? "failed" : "ok"}` }, t.name);
    open.addEventListener("click", () => void openTrace(t.traceId));
    body.append(h("tr", {}, h("td", {}, open), h("td", {}, String(t.spans)), h("td", {}, `${t.durationMs.toFixed(1)} ms`), h("td", { class: t.errors ? "err" : "ok" }, t.errors ? `${t.errors} error span(s)` : "ok")));
  }
  table.append(body);
  traceList.replaceChildren(state.selected ? h("p", { class: "muted" }, `Calls through ${state.selected}`) : "", shown.length ? table : h("p", { class: "muted" }, "No calls yet: send one from the API explorer."));
}

async function openTrace(traceId: string): Promise<void> {
  state.trace = traceId;
  showTab("traces");
  const response = await fetch(`/api/traces/${traceId}`);
  if (!response.ok) return;
  renderWaterfall((await response.json()) as Span[]);
}

function renderWaterfall(spans: Span[]): void {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string, Span[]>();
  for (const s of [...spans].sort((a, b) => a.startMs - b.startMs)) {
    const parent = ids.has(s.parentSpanId) ? s.parentSpanId : "";
    children.set(parent, [...(children.get(parent) ?? []), s]);
  }
  const start = Math.min(...spans.map((s) => s.startMs));
  const total = Math.max(1e-3, Math.max(...spans.map((s) => s.endMs)) - start);
  const rows = h("div", { class: "waterfall", role: "list", "aria-label": "Spans of the trace" });
  const walk = (parent: string, depth: number) => {
    for (const s of children.get(parent) ?? []) {
      const failed = s.status.code === 2;
      const retry = s.events.find((e) => e.name === "tschains.retry");
      const resend = s.attributes["http.request.resend_count"];
      const status = s.attributes["http.response.status_code"];
      const label = h(
        "div",
        { class: "label", style: `padding-left:${depth}em` },
        `${s.service} · ${s.name}`,
        status !== undefined ? h("span", { class: `chip ${failed ? "err" : "ok"}` }, String(status)) : "",
        resend !== undefined ? h("span", { class: "chip" }, `retry #${resend}`) : "",
        retry ? h("span", { class: "chip" }, `backoff ${retry.attributes["tschains.retry.backoff_ms"]} ms`) : "",
      );
      const bar = h("div", { class: `bar${failed ? " error" : ""}`, style: `left:${((s.startMs - start) / total) * 100}%;width:${((s.endMs - s.startMs) / total) * 100}%` });
      const row = h("div", { class: "row span", role: "listitem", "data-service": s.service, "data-status": failed ? "error" : "ok", "aria-label": `${s.service} ${s.name} ${(s.endMs - s.startMs).toFixed(1)} ms${failed ? ", error" : ""}` }, label, h("div", { class: "track" }, bar), h("div", {}, `${(s.endMs - s.startMs).toFixed(1)} ms`));
      rows.append(row);
      const exceptions = s.events.filter((e) => e.name === "exception");
      if (failed && exceptions.length > 0 && s.kind === 2) {
        const chainBox = h("div", { class: "error-chain", style: `padding-left:${depth + 1}em`, role: "listitem", "aria-label": `Error chain in ${s.service}` });
        for (const e of exceptions) {
          chainBox.append(h("div", { class: "err" }, `${e.attributes["exception.type"]}: ${e.attributes["exception.message"]}`));
          const stack = e.attributes["exception.stacktrace"];
          if (stack) chainBox.append(h("pre", {}, String(stack)));
        }
        rows.append(chainBox);
      }
      walk(s.spanId, depth + 1);
    }
  };
  walk("", 0);
  traceDetail.replaceChildren(h("h2", {}, `Trace ${spans[0]?.traceId ?? ""}`), rows);
}

// ---- API explorer ----

const explorerSelect = h("select", { id: "explorer-chainlet" });
const rawToggle = h("input", { type: "checkbox", id: "explorer-raw" });
const bodyInput = h("textarea", { id: "explorer-body", spellcheck: "false" });
const rawBox = h("div", { hidden: "" }, h("p", {}, h("label", { for: "explorer-body" }, "Request body (JSON, keyed by parameter name)")), bodyInput);
const formBox = h("div", { id: "explorer-form" });
const parametersNote = h("p", { class: "muted", id: "explorer-parameters" });
const sendButton = h("button", { id: "explorer-send", type: "submit" }, "Send");
const output = h("pre", { id: "explorer-output", "aria-live": "polite", "aria-label": "Answer", tabindex: "0" });
const viewTrace = h("button", { id: "explorer-trace", type: "button", hidden: "" }, "View this call's trace");
const form = h(
  "form",
  { "aria-label": "Call a Chainlet", novalidate: "" },
  h("p", {}, h("label", { for: "explorer-chainlet" }, "Chainlet "), explorerSelect, " ", rawToggle, h("label", { for: "explorer-raw" }, " Raw JSON")),
  parametersNote,
  formBox,
  rawBox,
  h("p", {}, sendButton, " ", viewTrace),
);
explorerPanel.append(h("h2", {}, "API explorer"), form, h("h3", {}, "Answer"), output);
explorerSelect.addEventListener("change", () => selectChainlet(explorerSelect.value));
let lastTrace = "";
viewTrace.addEventListener("click", () => void openTrace(lastTrace));
let bodyForm: SchemaForm | undefined;
/** The schema the form was built from, so a reload that changes it rebuilds the form. */
let formSchema = "";

function showForm(value: unknown): void {
  const chainlet = state.chain?.chainlets.find((c) => c.name === explorerSelect.value);
  if (!chainlet) return;
  bodyForm = schemaForm(chainlet.inputSchema, value, "field");
  formSchema = JSON.stringify(chainlet.inputSchema);
  formBox.replaceChildren(bodyForm.element);
}

function fillExample(): void {
  const chainlet = state.chain?.chainlets.find((c) => c.name === explorerSelect.value);
  if (!chainlet) return;
  bodyInput.value = JSON.stringify(chainlet.example, null, 2);
  showForm(chainlet.example);
  parametersNote.textContent = `Parameters: ${chainlet.parameters.join(", ") || "none"}${chainlet.streaming ? " · streams its answer item by item" : ""}`;
}

/** The body to send, from the raw JSON or the form; `undefined` (with the reason shown) when a field is invalid. */
function requestBody(): string | undefined {
  if (rawToggle.checked) return bodyInput.value;
  const read = bodyForm?.read();
  if (!read) return undefined;
  if (!read.ok) {
    output.replaceChildren(h("div", { class: "err", role: "alert" }, read.error));
    read.field.focus();
    return undefined;
  }
  return JSON.stringify(read.value);
}

// Switching keeps what was typed: the form's value becomes the JSON, the JSON refills the form.
rawToggle.addEventListener("change", () => {
  if (rawToggle.checked) {
    const read = bodyForm?.read();
    if (read?.ok) bodyInput.value = JSON.stringify(read.value, null, 2);
  } else {
    try {
      showForm(JSON.parse(bodyInput.value));
    } catch (error) {
      rawToggle.checked = true;
      output.replaceChildren(h("div", { class: "err", role: "alert" }, `The raw body is not JSON: ${(error as Error).message}`));
      return;
    }
  }
  rawBox.hidden = !rawToggle.checked;
  formBox.hidden = rawToggle.checked;
});

function randomHex(bytes: number): string {
  return [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  void send();
});

async function send(): Promise<void> {
  const body = requestBody();
  if (body === undefined) return;
  const traceId = randomHex(16);
  lastTrace = traceId;
  viewTrace.hidden = true;
  output.textContent = "";
  sendButton.disabled = true;
  try {
    const response = await fetch(`/api/call/${encodeURIComponent(explorerSelect.value)}`, {
      method: "POST",
      headers: { "content-type": JSON_TYPE, [TRACEPARENT_HEADER]: `00-${traceId}-${randomHex(8)}-01` },
      body,
    });
    output.append(h("div", { class: response.ok ? "ok" : "err" }, `HTTP ${response.status}`));
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      // Each chunk is shown as it arrives: a stream appears item by item.
      output.append(h("div", { class: "item" }, decoder.decode(value, { stream: true })));
    }
  } catch (error) {
    output.append(h("div", { class: "err" }, String(error)));
  } finally {
    sendButton.disabled = false;
    viewTrace.hidden = false;
  }
}

// ---- live updates ----

/** A new view of the chain: the first one, or one after a change (a reload may add, remove or reshape Chainlets). */
function showChain(view: ChainView): void {
  const names = (chain: ChainView | undefined) => JSON.stringify(chain?.chainlets.map((c) => [c.name, c.className, c.isEntrypoint]));
  const reshaped = names(view) !== names(state.chain);
  state.chain = view;
  if (reshaped) {
    const chosen = explorerSelect.value;
    explorerSelect.replaceChildren(...view.chainlets.map((c) => h("option", { value: c.name }, `${c.className} (${c.name})${c.isEntrypoint ? " · entrypoint" : ""}`)));
    explorerSelect.value = view.chainlets.some((c) => c.name === chosen) ? chosen : view.entrypoint;
    fillExample();
  } else {
    const chainlet = view.chainlets.find((c) => c.name === explorerSelect.value);
    if (chainlet && JSON.stringify(chainlet.inputSchema) !== formSchema) fillExample();
  }
  renderChain();
}

// The chain's state arrives as server-sent events; EventSource reconnects on its own after a drop.
const events = new EventSource("/api/events");
events.addEventListener("chain", (event) => showChain(JSON.parse((event as MessageEvent<string>).data) as ChainView));
events.addEventListener("state", (event) => {
  const change = JSON.parse((event as MessageEvent<string>).data) as { chainlet: string; state: ChainletState; reason?: string; url?: string };
  const chainlet = state.chain?.chainlets.find((c) => c.name === change.chainlet);
  if (!chainlet) return;
  Object.assign(chainlet, { state: change.state, reason: change.reason, url: change.url });
  renderChain();
});

async function refreshTraces(): Promise<void> {
  state.traces = (await (await fetch("/api/traces")).json()) as TraceSummary[];
  renderTraces();
  if (state.trace) {
    const response = await fetch(`/api/traces/${state.trace}`);
    if (response.ok) renderWaterfall((await response.json()) as Span[]);
  }
}

showTab("explorer");
const poll = () => void refreshTraces().catch(() => undefined).finally(() => setTimeout(poll, 1000));
poll();
