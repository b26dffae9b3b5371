import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/** The page's script, bundled with esbuild from `page/app.ts` (or its compiled `.js`): no CDN, no internet. */
export async function bundlePage(): Promise<string> {
  const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  const result = await build({
    entryPoints: [fileURLToPath(new URL(`./page/app${ext}`, import.meta.url))],
    bundle: true,
    write: false,
    format: "iife",
    target: "es2022",
    minify: true,
    legalComments: "none",
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}

/** Light and dark schemes follow the system's `prefers-color-scheme`. */
export const PAGE_CSS = `
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1b1f24; --muted: #59636e; --panel: #f6f8fa; --line: #d0d7de;
  --accent: #0969da; --ok: #1a7f37; --err: #cf222e; --warn: #9a6700; --bar: #54aeff; --focus: #0969da; }
@media (prefers-color-scheme: dark) { :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --panel: #161b22; --line: #3d444d;
  --accent: #4493f8; --ok: #3fb950; --err: #f85149; --warn: #d29922; --bar: #1f6feb; --focus: #4493f8; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, sans-serif; background: var(--bg); color: var(--fg); }
header { display: flex; gap: 1em; align-items: baseline; padding: .6em 1em; border-bottom: 1px solid var(--line); }
h1 { font-size: 1.2em; margin: 0; } h2 { font-size: 1.05em; margin: .2em 0 .6em; }
.subtitle, .muted { color: var(--muted); }
main { display: grid; grid-template-columns: minmax(320px, 1fr) minmax(360px, 1.3fr); gap: 1em; padding: 1em; }
section { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .8em; min-width: 0; }
nav[role=tablist] { display: flex; gap: .3em; margin-bottom: .6em; }
button, select, textarea, input { font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--line); border-radius: 4px; padding: .3em .6em; }
button { cursor: pointer; } button[aria-selected=true] { border-color: var(--accent); color: var(--accent); }
:focus-visible { outline: 2px solid var(--focus); outline-offset: 2px; }
svg text { fill: var(--fg); font-size: 12px; } svg .node rect { fill: var(--bg); stroke: var(--line); stroke-width: 1.5; }
svg .node.entry rect { stroke-width: 3; } svg .node.ready rect { stroke: var(--ok); } svg .node.failed rect { stroke: var(--err); }
svg .node.starting rect, svg .node.restarting rect { stroke: var(--warn); } svg .edge { stroke: var(--muted); fill: none; }
svg .node { cursor: pointer; } svg .node:focus-visible rect { stroke: var(--focus); stroke-width: 3; }
.state { font-weight: 600; } .state.ready { color: var(--ok); } .state.failed { color: var(--err); } .state.starting, .state.restarting { color: var(--warn); }
pre { white-space: pre-wrap; word-break: break-word; background: var(--bg); border: 1px solid var(--line); padding: .5em; border-radius: 4px; max-height: 18em; overflow: auto; margin: .3em 0; }
textarea { width: 100%; min-height: 7em; font-family: ui-monospace, monospace; }
.schema-form fieldset { border: 1px solid var(--line); border-radius: 4px; margin: .4em 0; padding: .2em .8em .5em; }
.schema-form legend { font-weight: 600; padding: 0 .3em; }
.schema-form .field { display: grid; grid-template-columns: minmax(6em, max-content) minmax(10em, 22em) 1fr; gap: .6em; align-items: center; margin: .35em 0; }
.schema-form .field textarea { min-height: 4em; grid-column: 2 / 4; }
.schema-form .hint { font-size: .85em; }
.schema-form input[type=checkbox] { justify-self: start; }
table { border-collapse: collapse; width: 100%; } td, th { text-align: left; padding: .25em .4em; border-bottom: 1px solid var(--line); vertical-align: top; }
.err { color: var(--err); } .ok { color: var(--ok); }
.waterfall .row { display: grid; grid-template-columns: minmax(14em, 24em) 1fr 6em; gap: .4em; align-items: center; padding: .15em 0; }
.waterfall .track { position: relative; height: 1em; background: var(--bg); border: 1px solid var(--line); border-radius: 3px; }
.waterfall .bar { position: absolute; top: 0; bottom: 0; background: var(--bar); border-radius: 2px; min-width: 2px; }
.waterfall .bar.error { background: var(--err); }
.waterfall .label { overflow-wrap: anywhere; }
.error-chain pre { max-height: 10em; }
.chip { display: inline-block; padding: 0 .4em; border-radius: 8px; border: 1px solid var(--line); font-size: .85em; margin-left: .3em; }
`;
