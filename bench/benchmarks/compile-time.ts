import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type ts from "typescript";
import type { OutputStore } from "../../api/output-store.js";
import type { EmitCache } from "../../emitters/emit-cache.js";
import { atMost, type Benchmark, type Row } from "../benchmark.js";
import { withSpread } from "../format.js";
import { generateChain } from "../generate-chain.js";
import { benchTmpDir, repoRoot } from "../paths.js";
import { NotAvailable } from "../served-fixture.js";
import { ratio, repeated, type Repeated } from "../stats.js";

/**
 * 5. `chains build` (in-process `buildChain`: analysis, schemas, validators, one esbuild bundle per
 * Chainlet, every artifact) of generated chains against `tsc --noEmit` of the same sources (the
 * TypeScript API in-process, the repository's compiler options). Both run warm and on equal terms:
 * one untimed round of each first, and since the compiler keeps its ts-morph project (parsed lib
 * files) between builds, tsc gets a host that keeps parsed files outside the generated chains too.
 * Every timed build and check is of a copy of the chain at new paths, which neither has seen. Then the
 * rebuild `chains serve --watch` does after a one-line edit of one Chainlet's file of the largest chain: `buildChain` with the {@link EmitCache} it keeps, warm, into a fresh folder each time.
 */
export const compileBenchmark: Benchmark = {
  name: "compile",
  title: "Compile time: chains build vs tsc --noEmit on generated chains",
  async run({ settings, log }) {
    // The compiler and TypeScript load when this benchmark runs, not with the registry of benchmarks that
    // every benchmark's process imports: their ≈ 55 MB of heap would otherwise be marked by every major GC
    // of the process that generates another benchmark's load.
    const [{ default: ts }, { buildChain }, { formatDiagnostics }, { EmitCache }, { OutputStore }] = await Promise.all([
      import("typescript"),
      import("../../api/build-chain.js"),
      import("../../compiler/diagnostics.js"),
      import("../../emitters/emit-cache.js"),
      import("../../api/output-store.js"),
    ]);
    const sizes = settings.smoke ? [1, 2, 3] : [1, 10, 50];
    const repeats = settings.repeats;
    // Each timed build and type check gets a chain of its own (same text, new paths): the compiler keeps
    // what it checked of a chain between builds in one process (as `chains serve --watch` uses it), and a
    // build of a chain it has seen would skip the type check that tsc --noEmit does every time.
    let copies = 0;
    const freshChain = (size: number) => generateChain(join(benchTmpDir, "compile", `chain-${size}-${++copies}`), size);
    const options = compilerOptions(ts);
    const host = cachingHost(ts, options, join(benchTmpDir, "compile"));
    const build = async (entry: string, size: number, kept?: Kept, outDir = join(benchTmpDir, "compile", `out-${size}`)) => {
      const t0 = performance.now();
      const result = await buildChain(entry, { outDir, ...kept });
      const ms = performance.now() - t0;
      if (!result.ok) {
        throw new NotAvailable(`chains build of the generated ${size}-Chainlet chain failed:\n${formatDiagnostics(result.diagnostics, { cwd: repoRoot, color: false })}`);
      }
      return ms;
    };
    const typecheck = (entry: string, size: number) => {
      const t0 = performance.now();
      const program = ts.createProgram({ rootNames: [entry], options, host });
      const diagnostics = ts.getPreEmitDiagnostics(program);
      const ms = performance.now() - t0;
      if (diagnostics.length > 0) {
        throw new Error(`the generated ${size}-Chainlet chain does not type-check: ${ts.formatDiagnostics(diagnostics, formatHost)}`);
      }
      return ms;
    };
    // Warm-up on a mid-sized chain: one small round leaves both still being optimised by V8.
    await build(freshChain(sizes[1]), sizes[1]);
    typecheck(freshChain(sizes[1]), sizes[1]);

    const figures = new Map<number, { build: number[]; tsc: number[] }>();
    for (const size of sizes) {
      const f = { build: [] as number[], tsc: [] as number[] };
      figures.set(size, f);
      for (let repeat = 0; repeat < repeats; repeat++) {
        f.build.push(await build(freshChain(size), size));
        f.tsc.push(typecheck(freshChain(size), size));
        log(`  ${size} Chainlets #${repeat + 1}: build ${f.build.at(-1)!.toFixed(0)} ms, tsc ${f.tsc.at(-1)!.toFixed(0)} ms`);
      }
    }
    const largest = sizes.at(-1)!;
    const rebuilt = generateChain(join(benchTmpDir, "compile", `chain-${largest}`), largest);
    const kept = { cache: new EmitCache(), store: new OutputStore(join(benchTmpDir, "compile", `rebuild-${largest}`, "kept")) };
    const rebuilds = await oneFileRebuilds(rebuilt, largest, repeats, kept, (outDir) => build(rebuilt, largest, kept, outDir), log);
    const rebuild = repeated(rebuilds);
    const oneFileRebuildSec = rebuild.median / 1000;

    const medians = new Map<number, { build: Repeated; tsc: Repeated }>(
      sizes.map((size) => [size, { build: repeated(figures.get(size)!.build), tsc: repeated(figures.get(size)!.tsc) }]),
    );
    const rows: Row[] = sizes.map((size) => {
      const m = medians.get(size)!;
      const r = ratio(m.build.median, m.tsc.median);
      return {
        Chainlets: String(size),
        "chains build ms": withSpread(m.build, 0),
        "tsc --noEmit ms": withSpread(m.tsc, 0),
        "build / tsc": r === null ? "n/a" : `${r.toFixed(2)}×`,
        "build ms per Chainlet": (m.build.median / size).toFixed(0),
      };
    });
    const compileRatio = ratio(medians.get(largest)!.build.median, medians.get(largest)!.tsc.median);
    // Marginal cost per added Chainlet in the upper size step over the lower one: ~1 is linear, >1 worse.
    const marginal = (a: number, b: number, kind: "build" | "tsc") =>
      (medians.get(b)![kind].median - medians.get(a)![kind].median) / (b - a);
    const compileGrowth = sizes.length >= 3 ? ratio(marginal(sizes[1], sizes[2], "build"), marginal(sizes[0], sizes[1], "build")) : null;
    const tscGrowth = sizes.length >= 3 ? ratio(marginal(sizes[1], sizes[2], "tsc"), marginal(sizes[0], sizes[1], "tsc")) : null;
    return {
      available: true,
      columns: ["Chainlets", "chains build ms", "tsc --noEmit ms", "build / tsc", "build ms per Chainlet"],
      rows,
      ratios: { compileRatio, compileGrowth, tscGrowth, oneFileRebuildSec },
      targets: [
        atMost(`compileRatio ≤ 1.5 (build vs tsc at ${largest} Chainlets)`, compileRatio, 1.5),
        atMost("compileGrowth ≤ 1.5 (ms per added Chainlet, 10→50 over 1→10; 1 = linear)", compileGrowth, 1.5),
        atMost(`oneFileRebuildSec ≤ 0.3 (warm rebuild after a one-line edit, ${largest} Chainlets)`, oneFileRebuildSec, 0.3),
      ],
      details: { ...Object.fromEntries(figures), oneFileRebuildMs: rebuilds },
      notes: [
        `Generated chains: a line of Chainlets, one file each, each with ten-field nested input and output interfaces (bench/generate-chain.ts). Median of ${repeats}, build and tsc alternating.`,
        `tsc's own growth on the same sources: ${tscGrowth === null ? "n/a" : tscGrowth.toFixed(2)}.`,
        `One-file rebuild at ${largest} Chainlets (as chains serve --watch does it: buildChain with its EmitCache, warm, after a one-line edit of one Chainlet's body): ${withSpread(rebuild, 0)} ms.`,
      ],
    };
  },
};

/** What `chains serve --watch` keeps between its builds: the emitted artifacts and the written folders. */
interface Kept {
  cache: EmitCache;
  store: OutputStore;
}

/**
 * Times `repeats` rebuilds of the `size`-Chainlet chain of `entry`, each after a one-line edit of the middle
 * Chainlet's `runRemote` body, with what `chains serve --watch` keeps ({@link Kept}) warmed by two builds
 * first; each build goes to a new folder linking the unchanged ones' folders, as `chains serve --watch`
 * builds each generation. The file is restored after.
 */
async function oneFileRebuilds(
  entry: string,
  size: number,
  repeats: number,
  kept: Kept,
  build: (outDir: string) => Promise<number>,
  log: (line: string) => void,
): Promise<number[]> {
  const file = join(dirname(entry), `stage-${Math.floor(size / 2)}.ts`);
  const original = readFileSync(file, "utf8");
  if (!original.includes(EDITED_LINE)) throw new Error(`${file} has no line "${EDITED_LINE}" to edit`);
  const outDir = (n: number) => join(benchTmpDir, "compile", `rebuild-${size}`, `g${n}`);
  const times: number[] = [];
  try {
    await build(outDir(0));
    await build(outDir(1));
    for (let repeat = 0; repeat < repeats; repeat++) {
      writeFileSync(file, original.replace(EDITED_LINE, EDITED_LINE.replace("+ 1", `+ ${repeat + 2}`)));
      times.push(await build(outDir(repeat + 2)));
      log(`  ${size} Chainlets, one file edited #${repeat + 1}: rebuild ${times.at(-1)!.toFixed(0)} ms`);
    }
  } finally {
    writeFileSync(file, original);
    await kept.cache.dispose();
  }
  return times;
}

/** The line of a generated Chainlet's body the one-file rebuild edits (bench/generate-chain.ts). */
const EDITED_LINE = "count: input.count + 1";

const formatHost: ts.FormatDiagnosticsHost = {
  getCanonicalFileName: (f) => f,
  getCurrentDirectory: () => repoRoot,
  getNewLine: () => "\n",
};

/**
 * A compiler host that parses each file outside `generatedDir` once (TypeScript's lib files,
 * @types/node, the tschains sources), as a long-lived ts-morph project does; generated files are
 * always read and parsed afresh.
 */
function cachingHost(ts: typeof import("typescript"), options: ts.CompilerOptions, generatedDir: string): ts.CompilerHost {
  const host = ts.createCompilerHost(options);
  const parsed = new Map<string, ts.SourceFile | undefined>();
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    if (fileName.startsWith(generatedDir)) return getSourceFile(fileName, languageVersion, onError, shouldCreate);
    if (!parsed.has(fileName)) parsed.set(fileName, getSourceFile(fileName, languageVersion, onError, shouldCreate));
    return parsed.get(fileName);
  };
  return host;
}

/** The repository's compiler options (the generated chains live in it and import "tschains" through its paths). */
function compilerOptions(ts: typeof import("typescript")): ts.CompilerOptions {
  const parsed = ts.getParsedCommandLineOfConfigFile(join(repoRoot, "tsconfig.json"), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    },
  });
  if (!parsed) throw new Error("cannot read tsconfig.json");
  return { ...parsed.options, noEmit: true };
}
