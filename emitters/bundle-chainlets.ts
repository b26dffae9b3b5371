import { diagnosticMessage } from "../compiler/diagnostic-messages.js";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, extname, join, relative, resolve, sep } from "node:path";
import { build, context, type BuildOptions, type BuildResult, type Loader, type Message, type Metafile, type Plugin } from "esbuild";
import type { ChainIR, ChainletIR } from "../compiler/chain-ir.js";
import { chainletMeta } from "./chainlet-meta.js";
import type { ChainletBundle } from "./chainlet-bundle.js";
import { hashText, type BundleInputs, type EmitCache } from "./emit-cache.js";
import { EmitError } from "./emit-error.js";
import type { ValidatorCode } from "./validator-code.js";
import { validatorCodeOnDemand } from "./validator-code-on-demand.js";
import { rewriteMapSources } from "./map-sources.js";
import { packageName } from "./npm-requirements.js";
import { rewriteChainletSource, TARGET_EXPORT } from "./rewrite-source.js";
import { runtimeLocation, type RuntimeLocation } from "./runtime-location.js";
import { CHAINLET_SERVER_FILE, SERVED_OPENTELEMETRY_API_FILE, SERVED_RUNTIME_FILE } from "./context-files.js";
import { SERVED_MODULE_OPTIONS } from "./served-runtime.js";

export type { ChainletBundle };

const VIRTUAL = "tschains-virtual";
/**
 * Each Chainlet's own modules (its entry, validators and the project's source files) live in
 * `<prefix><name>`, the source files by their path relative to the project root: esbuild prints a
 * module's path into the bundle's comments and the map, which must hold no machine paths.
 */
const CHAINLET_NAMESPACE = "tschains-chainlet:";
/** How each bundle imports the runtime, which lies next to it in the Chainlet's context. */
const RUNTIME_IMPORT = `./${SERVED_RUNTIME_FILE}`;
/**
 * Packages the user's code shares with the runtime, and the runtime's module each resolves to (see
 * `runtime-node/served-runtime.ts` and `served-opentelemetry-api.ts`).
 */
const SHARED_WITH_RUNTIME = new Map([
  ["tschains", RUNTIME_IMPORT],
  ["@opentelemetry/api", `./${SERVED_OPENTELEMETRY_API_FILE}`],
]);
const USER_SOURCE = /\.[cm]?[jt]sx?$/;

/**
 * Bundles every Chainlet's service with esbuild: per Chainlet the user's class (its file rewritten from
 * the IR's spans), the libraries it imports and the precompiled validators, into one ES module for
 * Node 20 that imports the runtime (`tschains`, the server, `dependsOn`, `@opentelemetry/api`) from
 * `./runtime.mjs`, bundled once per tschains version (see `served-runtime.ts`) and placed next to it in
 * the context: linking and printing the megabyte of runtime once per Chainlet was most of a build.
 * `npmRequirements` stay external (installed in the image); everything else is inlined.
 *
 * All Chainlets go through one esbuild build, one entry point each, so node_modules are read and
 * parsed once per build instead of once per Chainlet. Each entry
 * still gets its own bundle: the project's source files are loaded into a namespace per
 * Chainlet, where they are rewritten for that Chainlet (its `depends()` calls, stand-ins for the other
 * Chainlets), so the same file can differ from one bundle to the next and a caller's bundle never
 * contains its dependency's code. Chainlets whose `npmRequirements` differ are built separately,
 * concurrently, since externals apply to the shared node_modules files too.
 */
export async function bundleChainlets(
  ir: ChainIR,
  chainDir: string,
  cache?: EmitCache,
  validators: () => Promise<ValidatorCode> = validatorCodeOnDemand(ir, cache),
): Promise<Map<string, ChainletBundle>> {
  const projectRoot = resolve(chainDir, ir.projectRoot);
  const runtime = runtimeLocation();
  // With a cache, whether a bundle is reusable depends on its validators module, so they are needed first.
  const served = cache ? (await validators()).served : undefined;
  const sources = new SourceCache();
  const bundles = new Map<string, ChainletBundle>();
  const generated = new Map<string, string>();
  const groups = new Map<string, ChainletIR[]>();
  for (const chainlet of ir.chainlets) {
    if (cache) {
      const key = generatedInputsHash(ir, chainlet, served!.get(chainlet.name)!);
      generated.set(chainlet.name, key);
      const reused = cache.reusableBundle(chainlet.name, key, (input) => inputHash({ ir, projectRoot }, cache, chainlet, input));
      if (reused) {
        bundles.set(chainlet.name, reused);
        continue;
      }
    }
    const key = JSON.stringify(externalsOf(chainlet));
    groups.set(key, [...(groups.get(key) ?? []), chainlet]);
  }
  const built = await Promise.all(
    [...groups.values()].map((chainlets) => bundleGroup({ ir, chainlets, projectRoot, runtime, validators, sources, cache, generated })),
  );
  for (const group of built) for (const [name, bundle] of group) bundles.set(name, bundle);
  return bundles;
}

/** The meta, validators and externals of a Chainlet: what its bundle holds besides files. */
function generatedInputsHash(ir: ChainIR, chainlet: ChainletIR, validatorsModule: string): string {
  return hashText(JSON.stringify([chainletMeta(ir, chainlet), externalsOf(chainlet), hashText(validatorsModule)]));
}

/**
 * A file input of a bundle as recorded in {@link BundleInputs}: `src:<path>` is a project file as
 * rewritten for the Chainlet (relative to the project root), `file:<path>` a library or runtime file.
 */
function inputHash(group: Pick<GroupBuild, "ir" | "projectRoot">, cache: EmitCache, chainlet: ChainletIR, input: string): string | undefined {
  if (input.startsWith("file:")) return cache.fileHash(input.slice("file:".length));
  try {
    const path = input.slice("src:".length);
    return hashText(projectSource(group, chainlet, path, withoutBom(readFileSync(resolve(group.projectRoot, path), "utf8"))));
  } catch {
    return undefined;
  }
}

/** The files the bundle of `chainlet` read (from esbuild's metafile, walking imports from its entry), with their hashes. */
function bundleInputs(group: GroupBuild, cache: EmitCache, chainlet: ChainletIR, metafile: Metafile): BundleInputs["files"] {
  const seen = new Set<string>();
  const pending = [`${CHAINLET_NAMESPACE}${chainlet.name}:${VIRTUAL}:entry`];
  while (pending.length > 0) {
    const path = pending.pop()!;
    if (seen.has(path)) continue;
    seen.add(path);
    for (const imported of metafile.inputs[path]?.imports ?? []) if (!imported.external) pending.push(imported.path);
  }
  const files: BundleInputs["files"] = [];
  for (const path of [...seen].sort()) {
    if (path.startsWith(`${VIRTUAL}:`)) continue;
    let input: string;
    if (path.startsWith(CHAINLET_NAMESPACE)) {
      const inner = withoutNamespace(path);
      if (inner.startsWith(`${VIRTUAL}:`)) continue;
      input = `src:${inner}`;
    } else {
      input = `file:${resolve(group.projectRoot, path)}`;
    }
    // A file that cannot be hashed now is recorded as such: the next build then never reuses this bundle.
    files.push({ path: input, hash: inputHash(group, cache, chainlet, input) ?? "" });
  }
  return files;
}

interface GroupBuild {
  ir: ChainIR;
  /** Chainlets with the same externals. */
  chainlets: ChainletIR[];
  projectRoot: string;
  runtime: RuntimeLocation;
  /** The chain's validator code, on first need (esbuild asks for it once it has parsed the libraries). */
  validators: () => Promise<ValidatorCode>;
  sources: SourceCache;
  /** Set when building for `chains serve --watch`: records each bundle's inputs for the next build. */
  cache?: EmitCache;
  /** Per Chainlet, the hash of its generated inputs (with `cache`). */
  generated?: Map<string, string>;
}

async function bundleGroup(group: GroupBuild): Promise<Map<string, ChainletBundle>> {
  // esbuild writes into a private scratch folder, read back below: with `write: false` its JS API
  // receives every output through its stdio pipe as one message, which for a chain of 50 bundles
  // (hundreds of MB with their maps) costs more than writing and reading the files.
  if (group.cache) {
    const kept = group.cache.bundler<{ group: GroupBuild; thrown: EmitError[] }>(bundlerKey(group), (outDir, current) =>
      context({ ...bundleOptions(group, outDir), plugins: [chainletsPlugin(current)] }),
    );
    return bundleGroupInto(group, kept.outDir, (thrown) => kept.run({ group, thrown }));
  }
  const outDir = await mkdtemp(join(tmpdir(), "tschains-bundle-"));
  try {
    return await bundleGroupInto(group, outDir, (thrown) => build({ ...bundleOptions(group, outDir), plugins: [chainletsPlugin(() => ({ group, thrown }))] }));
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

/** What makes a kept esbuild context reusable: the same Chainlets, externals and project root. */
function bundlerKey(group: GroupBuild): string {
  return JSON.stringify([group.projectRoot, externalsOf(group.chainlets[0]!), group.chainlets.map((c) => c.name)]);
}

/** The esbuild options of one group's bundles (without the plugin, which differs between a build and a kept context). */
function bundleOptions(group: GroupBuild, outDir: string): BuildOptions {
  const { chainlets, projectRoot } = group;
  return {
    absWorkingDir: projectRoot,
    entryPoints: chainlets.map((chainlet) => ({ in: `${VIRTUAL}:entry:${chainlet.name}`, out: `${chainlet.name}/server` })),
    outdir: outDir,
    outExtension: { ".js": ".mjs" },
    write: true,
    ...SERVED_MODULE_OPTIONS,
    external: externalsOf(chainlets[0]!),
    metafile: group.cache !== undefined,
  };
}

async function bundleGroupInto(group: GroupBuild, outDir: string, bundle: (thrown: EmitError[]) => Promise<BuildResult>): Promise<Map<string, ChainletBundle>> {
  const { chainlets, projectRoot } = group;
  // An EmitError thrown inside a plugin callback reaches esbuild as text only; keep it to rethrow as is.
  const thrown: EmitError[] = [];
  const result = await bundle(thrown).catch((error: unknown) => {
    if (thrown.length > 0) throw thrown[0];
    const errors = (error as { errors?: Message[] }).errors ?? [];
    const names = [...new Set(errors.map((message) => chainletOf(message.location?.namespace)).filter((name) => name !== undefined))];
    const who = names.length > 0 ? names.map((name) => `Chainlet "${name}"`).join(", ") : `Chainlets ${chainlets.map((c) => `"${c.name}"`).join(", ")}`;
    const details = errors.length > 0 ? errors.map((message) => formatMessage(message, projectRoot)).join("\n") : (error as Error).message;
    throw new EmitError(diagnosticMessage("CH1420", "bundlingFailed", who, details), { cause: error });
  });
  const outputs = await Promise.all(
    chainlets.map(async (chainlet) => {
      const outfile = join(outDir, chainlet.name, CHAINLET_SERVER_FILE);
      const [code, map] = await Promise.all([readFile(outfile), readFile(`${outfile}.map`)]).catch((error: unknown) => {
        throw new EmitError(diagnosticMessage("CH1420", "noOutput", chainlet.name), { cause: error });
      });
      return { chainlet, outfile, code, map };
    }),
  );
  const bundles = new Map<string, ChainletBundle>();
  // Every bundle lists the same library files; a path that climbs out of
  // `<scratch>/<name>/` means the same file from every Chainlet's folder, so it is converted once.
  const converted = new Map<string, string>();
  for (const { chainlet, outfile, code, map } of outputs) {
    const relativeSource = (source: string): string => {
      if (!source.startsWith("../../")) return projectRelativeSource(source, dirname(outfile), projectRoot);
      let path = converted.get(source);
      if (path === undefined) converted.set(source, (path = projectRelativeSource(source, dirname(outfile), projectRoot)));
      return path;
    };
    const rewritten = rewriteMapSources(map, relativeSource);
    const bundle: ChainletBundle = { code, map: rewritten, codeDigest: hashText(code), mapDigest: hashText(rewritten) };
    bundles.set(chainlet.name, bundle);
    if (group.cache && result.metafile) {
      const inputs = { generated: group.generated!.get(chainlet.name)!, files: bundleInputs(group, group.cache, chainlet, result.metafile) };
      group.cache.rememberBundle(chainlet.name, inputs, bundle);
    }
  }
  return bundles;
}

/**
 * esbuild writes file paths relative to the output folder, which would bake the machine's layout
 * (where the scratch folder is) into the map, and the project's files as `<namespace>:<path>`. Paths
 * relative to the project root read well in stack traces wherever the context is copied
 * (`/app/src/chain.ts:12`) and do not change with the out folder; generated modules keep their
 * `tschains-virtual:` names.
 */
function projectRelativeSource(source: string, outDir: string, projectRoot: string): string {
  if (source.startsWith(CHAINLET_NAMESPACE)) return withoutNamespace(source);
  if (source.startsWith(`${VIRTUAL}:`)) return source;
  return toPosix(relative(projectRoot, resolve(outDir, source)));
}

/** `tschains-chainlet:<name>:<path>` → `<path>` (a project-relative path or a `tschains-virtual:` name). */
function withoutNamespace(path: string): string {
  return path.slice(path.indexOf(":", CHAINLET_NAMESPACE.length) + 1);
}

function toPosix(path: string): string {
  return path.split(sep).join("/");
}

/**
 * The plugin reads the build it serves through `current`: a kept esbuild context (see {@link EmitCache})
 * runs the same plugin for every rebuild, each with a new IR. The Chainlets' names, the project root and
 * the runtime are the same for every build of one context.
 */
function chainletsPlugin(current: () => { group: GroupBuild; thrown: EmitError[] }): Plugin {
  const { chainlets: names, projectRoot, runtime } = current().group;
  const chainletNamed = (name: string | undefined) => findIn(current().group.chainlets, name);
  const runtimeDir = dirname(runtime.index) + sep;
  const isProjectSource = (path: string) =>
    USER_SOURCE.test(path) && !/\.d\.[cm]?ts$/.test(path) && !path.startsWith(runtimeDir) && !path.split(sep).includes("node_modules");
  const reporting = async <T>(work: () => T | Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof EmitError) current().thrown.push(error);
      throw error;
    }
  };
  return {
    name: "tschains-chainlets",
    setup(pluginBuild) {
      // One runtime instance: the user's `import "tschains"` and the server must share the injector, and
      // the user's spans must reach the tracer provider the runtime registers. A package the Chainlet
      // installs itself (npmRequirements) stays its own.
      const external = new Set(externalsOf(names[0]!));
      const shared = [...SHARED_WITH_RUNTIME.keys()].filter((name) => !external.has(name));
      const sharedFilter = new RegExp(`^(${shared.map((name) => name.replace(/[/]/g, "\\/")).join("|")})$`);
      pluginBuild.onResolve({ filter: sharedFilter }, (args) => ({ path: SHARED_WITH_RUNTIME.get(args.path)!, external: true }));
      pluginBuild.onResolve({ filter: /^tschains-virtual:/ }, (args) => {
        const [, kind, name] = args.path.split(":");
        const namespace = name !== undefined ? `${CHAINLET_NAMESPACE}${name}` : args.namespace;
        switch (kind) {
          case "entry":
          case "validators":
            return { path: `${VIRTUAL}:${kind}`, namespace };
          case "chainlet":
            return { path: chainletNamed(chainletOf(namespace)).file, namespace };
          case "runtime":
            return { path: RUNTIME_IMPORT, external: true };
          default:
            return undefined;
        }
      });
      for (const { name } of names) {
        const namespace = `${CHAINLET_NAMESPACE}${name}`;
        // The project's own files are loaded once per Chainlet, each copy rewritten for that Chainlet;
        // libraries and the runtime resolve as usual, in the shared `file` namespace.
        pluginBuild.onResolve({ filter: /.*/, namespace }, async (args) => {
          if (args.path.startsWith(`${VIRTUAL}:`) || shared.includes(args.path)) return undefined;
          const importer = resolve(projectRoot, args.importer);
          const resolved = await pluginBuild.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer, namespace: "file" });
          if (resolved.errors.length > 0 || resolved.external || resolved.namespace !== "file" || !isProjectSource(resolved.path)) return undefined;
          return { path: toPosix(relative(projectRoot, resolved.path)), namespace };
        });
        pluginBuild.onLoad({ filter: /.*/, namespace }, async (args) => {
          const { group } = current();
          const chainlet = chainletNamed(name);
          if (args.path === `${VIRTUAL}:entry`) {
            return { contents: entrySource(chainletMeta(group.ir, chainlet)), loader: "js", resolveDir: runtime.packageDir };
          }
          if (args.path === `${VIRTUAL}:validators`) {
            const contents = await reporting(async () => (await group.validators()).served.get(chainlet.name)!);
            return { contents, loader: "js", resolveDir: runtime.packageDir };
          }
          const file = resolve(projectRoot, args.path);
          const text = await group.sources.read(file);
          const contents = await reporting(() => projectSource(group, chainlet, args.path, text));
          return { contents, loader: loaderFor(file), resolveDir: dirname(file) };
        });
      }
    },
  };
}

/**
 * A project file's text as `chainlet`'s bundle gets it: a file declaring Chainlets is rewritten (its
 * `depends()` calls when it declares `chainlet`, stand-ins for the other Chainlets), any other file is as is.
 */
function projectSource(group: Pick<GroupBuild, "ir">, chainlet: ChainletIR, path: string, text: string): string {
  const declared = group.ir.chainlets.filter((each) => each.file === path);
  if (declared.length === 0) return text;
  return rewriteChainletSource(text, {
    target: path === chainlet.file ? chainlet : undefined,
    standIns: declared.filter((each) => each !== chainlet),
    // A virtual name: the rewritten text lands in the source map, which must hold no machine paths.
    dependsOnModule: `${VIRTUAL}:runtime`,
  });
}

/** The project's source files, read once per build however many Chainlets bundle them. */
class SourceCache {
  private readonly texts = new Map<string, Promise<string>>();

  read(path: string): Promise<string> {
    let text = this.texts.get(path);
    if (!text) {
      text = readFile(path, "utf8").then(withoutBom);
      this.texts.set(path, text);
    }
    return text;
  }
}

function withoutBom(text: string): string {
  return text.replace(/^\uFEFF/, "");
}

/** The generated entry: the served-bundle contract (see the README, "Build output"). */
function entrySource(meta: ReturnType<typeof chainletMeta>): string {
  return [
    `import { ${TARGET_EXPORT} as Chainlet } from "${VIRTUAL}:chainlet";`,
    `import { startChainletServer } from "${VIRTUAL}:runtime";`,
    `import * as validators from "${VIRTUAL}:validators";`,
    `const meta = ${JSON.stringify(meta)};`,
    "startChainletServer({",
    "  chainlet: Chainlet,",
    "  meta,",
    "  validators: { input: validators.input, output: validators.output, tolerantInput: validators.tolerantInput, dependencies: validators.dependencies },",
    "});",
    "",
  ].join("\n");
}

function externalsOf(chainlet: ChainletIR): string[] {
  return chainlet.config.dockerImage.npmRequirements.map(packageName).flatMap((name) => [name, `${name}/*`]);
}

function chainletOf(namespace: string | undefined): string | undefined {
  return namespace?.startsWith(CHAINLET_NAMESPACE) ? namespace.slice(CHAINLET_NAMESPACE.length) : undefined;
}

function findIn(chainlets: ChainletIR[], name: string | undefined): ChainletIR {
  const found = chainlets.find((chainlet) => chainlet.name === name);
  if (!found) throw new Error(`tschains-virtual:chainlet imported outside a Chainlet's entry (${name ?? "no Chainlet"})`);
  return found;
}

/** An esbuild message as `file:line:column: text`, the file relative to the project root. */
function formatMessage(message: Message, projectRoot: string): string {
  const location = message.location;
  if (!location) return message.text;
  const file = location.file.startsWith(CHAINLET_NAMESPACE) ? withoutNamespace(location.file) : location.file;
  const shown = file.startsWith(`${VIRTUAL}:`) ? file : toPosix(relative(projectRoot, resolve(projectRoot, file)));
  return `${shown}:${location.line}:${location.column + 1}: ${message.text}`;
}

function loaderFor(file: string): Loader {
  const ext = extname(file);
  if (ext === ".tsx") return "tsx";
  if (ext === ".jsx") return "jsx";
  return ext.endsWith("ts") ? "ts" : "js";
}
