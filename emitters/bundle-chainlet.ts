import { readFile } from "node:fs/promises";
import { dirname, extname, join, relative, resolve, sep } from "node:path";
import { build, type Loader, type Plugin } from "esbuild";
import type { ChainIR, ChainletIR } from "../compiler/chain-ir.js";
import { chainletMeta } from "./chainlet-meta.js";
import { EmitError } from "./emit-error.js";
import { emitValidatorsModule } from "./emit-validators.js";
import { packageName } from "./npm-requirements.js";
import { rewriteChainletSource, TARGET_EXPORT } from "./rewrite-source.js";
import { runtimeLocation } from "./runtime-location.js";

/** The bundle of one Chainlet: `server.mjs` and its linked source map `server.mjs.map`. */
export interface ChainletBundle {
  code: string;
  map: string;
}

const VIRTUAL = "tschains-virtual";

/**
 * Bundles one Chainlet's service with esbuild: the user's class (its file rewritten from the IR's
 * spans), the runtime server, and the precompiled validators, into one ES module for Node 20.
 * `npmRequirements` stay external (installed in the image); everything else is inlined.
 */
export async function bundleChainlet(ir: ChainIR, chainlet: ChainletIR, chainDir: string): Promise<ChainletBundle> {
  const projectRoot = resolve(chainDir, ir.projectRoot);
  const runtime = runtimeLocation();
  const outfile = join(chainDir, "chainlets", chainlet.name, "server.mjs");
  const externals = chainlet.config.dockerImage.npmRequirements.map(packageName).flatMap((name) => [name, `${name}/*`]);
  const result = await build({
    absWorkingDir: projectRoot,
    entryPoints: [{ in: `${VIRTUAL}:entry`, out: "server" }],
    outfile,
    write: false,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: "linked",
    sourcesContent: true,
    legalComments: "none",
    charset: "utf8",
    // The runtime reports Chainlets by class name; bundling must not rename them.
    keepNames: true,
    external: externals,
    logLevel: "silent",
    banner: {
      // Bundled CommonJS dependencies call `require`, which an ES module does not have.
      js: 'import { createRequire as __tschainsCreateRequire } from "node:module";\nconst require = __tschainsCreateRequire(import.meta.url);',
    },
    plugins: [chainletPlugin(ir, chainlet, projectRoot, runtime)],
  }).catch((error: unknown) => {
    throw new EmitError("CH1420", `Chainlet "${chainlet.name}": bundling failed: ${(error as Error).message}`, { cause: error });
  });
  const code = result.outputFiles.find((file) => file.path.endsWith(".mjs"))?.text;
  const map = result.outputFiles.find((file) => file.path.endsWith(".mjs.map"))?.text;
  if (code === undefined || map === undefined) throw new EmitError("CH1420", `Chainlet "${chainlet.name}": esbuild produced no output.`);
  return { code, map: projectRelativeSources(map, dirname(outfile), projectRoot) };
}

/**
 * esbuild writes source paths relative to the output folder, which would bake the machine's layout
 * (where `--out` points) into the map. Paths relative to the project root read well in stack traces
 * wherever the context is copied (`/app/src/chain.ts:12`) and do not change with the out folder.
 */
function projectRelativeSources(mapText: string, outDir: string, projectRoot: string): string {
  const map = JSON.parse(mapText) as { sources: string[] };
  map.sources = map.sources.map((source) =>
    source.startsWith(`${VIRTUAL}:`) ? source : relative(projectRoot, resolve(outDir, source)).split(sep).join("/"),
  );
  return JSON.stringify(map);
}

function chainletPlugin(ir: ChainIR, chainlet: ChainletIR, projectRoot: string, runtime: ReturnType<typeof runtimeLocation>): Plugin {
  const targetFile = resolve(projectRoot, chainlet.file);
  const byFile = new Map<string, ChainletIR[]>();
  for (const each of ir.chainlets) {
    const file = resolve(projectRoot, each.file);
    byFile.set(file, [...(byFile.get(file) ?? []), each]);
  }
  const meta = chainletMeta(ir, chainlet);
  return {
    name: "tschains-chainlet",
    setup(pluginBuild) {
      // One runtime instance: the user's `import "tschains"` and the server must share the injector.
      pluginBuild.onResolve({ filter: /^tschains$/ }, () => ({ path: runtime.index }));
      pluginBuild.onResolve({ filter: /^tschains-virtual:/ }, (args) => {
        switch (args.path) {
          case `${VIRTUAL}:entry`:
          case `${VIRTUAL}:validators`:
            return { path: args.path.slice(VIRTUAL.length + 1), namespace: VIRTUAL };
          case `${VIRTUAL}:chainlet`:
            return { path: targetFile };
          case `${VIRTUAL}:server`:
            return { path: runtime.server };
          case `${VIRTUAL}:authoring`:
            return { path: runtime.authoring };
          default:
            return undefined;
        }
      });
      pluginBuild.onLoad({ filter: /.*/, namespace: VIRTUAL }, (args) => {
        if (args.path === "validators") {
          return { contents: emitValidatorsModule(ir, chainlet), loader: "js", resolveDir: runtime.packageDir };
        }
        return { contents: entrySource(meta), loader: "js", resolveDir: runtime.packageDir };
      });
      pluginBuild.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, async (args) => {
        const declared = byFile.get(args.path);
        if (!declared) return undefined;
        const text = (await readFile(args.path, "utf8")).replace(/^\uFEFF/, "");
        const contents = rewriteChainletSource(text, {
          target: args.path === targetFile ? chainlet : undefined,
          standIns: declared.filter((each) => each !== chainlet),
          // A virtual name: the rewritten text lands in the source map, which must hold no machine paths.
          dependsOnModule: `${VIRTUAL}:authoring`,
        });
        return { contents, loader: loaderFor(args.path), resolveDir: dirname(args.path) };
      });
    },
  };
}

/** The generated entry: the served-bundle contract (see the README, "Build output"). */
function entrySource(meta: ReturnType<typeof chainletMeta>): string {
  return [
    `import { ${TARGET_EXPORT} as Chainlet } from "${VIRTUAL}:chainlet";`,
    `import { startChainletServer } from "${VIRTUAL}:server";`,
    `import * as validators from "${VIRTUAL}:validators";`,
    `const meta = ${JSON.stringify(meta)};`,
    "startChainletServer({",
    "  chainlet: Chainlet,",
    "  meta,",
    "  validators: { input: validators.input, output: validators.output, dependencies: validators.dependencies },",
    "});",
    "",
  ].join("\n");
}

function loaderFor(file: string): Loader {
  const ext = extname(file);
  if (ext === ".tsx") return "tsx";
  if (ext === ".jsx") return "jsx";
  return ext.endsWith("ts") ? "ts" : "js";
}
