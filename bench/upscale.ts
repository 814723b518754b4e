// Upscaling benchmark: `npm run bench:upscale`. Prints figures; never part of `npm test`.
//
// 1. A 512 x 512 photo at x2 and x4: our enhance executor end to end, raw onnxruntime on the
//    same model untiled, UpscalerJS (wasm backend) on the same weights, and sharp Lanczos.
// 2. Tiling overhead: our tiler at the default memory budget against one untiled run.
// 3. PSNR against the original when a photo is downscaled then upscaled, per preset, beside Lanczos.
// 4. Peak RSS of a 2048 x 2048 input at x4, measured in a child process.
// 5. Row bands for progress: the model stage with and without them (`--sections bands`).
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import type { JsonObject } from '../plugin/core/types.js';
import type { EnhanceKind } from '../plugin/pipelines/enhance/index.js';
import { createEnhanceKind, enhanceParamsSchema } from '../plugin/pipelines/enhance/index.js';
import { ModelStore } from '../plugin/pipelines/enhance/model-store.js';
import { BORDER_PAD, TILE_FEATHER } from '../plugin/pipelines/enhance/model-upscale.js';
import type { PreparedModel } from '../plugin/pipelines/enhance/model-types.js';
import { locateNpmPackage } from '../plugin/pipelines/enhance/npm-model-packages.js';
import { onnxWindowUpscaler } from '../plugin/pipelines/enhance/onnx-window-upscaler.js';
import { enhanceOptionsSchema } from '../plugin/pipelines/enhance/options.js';
import type { QualityPreset } from '../plugin/pipelines/enhance/params.js';
import type { PooledSession } from '../plugin/pipelines/enhance/session-pool.js';
import { SessionPool } from '../plugin/pipelines/enhance/session-pool.js';
import { planTiles } from '../plugin/pipelines/enhance/tile-plan.js';
import type { TileGrid } from '../plugin/pipelines/enhance/tile-size.js';
import { estimatedBytesPerInputPixel, modelWindowBudget, tileGridForBudget, withProgressBands } from '../plugin/pipelines/enhance/tile-size.js';
import { roundingWriter, upscaleTiled } from '../plugin/pipelines/enhance/tiled-upscale.js';
import { fakeContext } from '../test/support/fake-context.js';
import { photoLikeRgb } from '../test/support/media.js';
import { inputArtifact } from '../test/support/rows.js';

const THREADS = os.availableParallelism();
const DEFAULT_BUDGET_MB = enhanceOptionsSchema.parse({}).memoryBudgetMB;
const SMALL_BUDGET_MB = 384;
/** Timed rounds per variant; medians are reported. */
const ROUNDS = 7;
/** The bands section's rounds (its images are larger). */
const BAND_ROUNDS = 3;
const MODEL_CACHE = path.join(os.tmpdir(), 'media-lab-enhance-bench-models');
const requireHere = createRequire(import.meta.url);
const thisFile = fileURLToPath(import.meta.url);

// ---------------------------------------------------------------- helpers

interface Timing {
  /** Median wall time, ms. */
  wall: number;
  /** Median CPU time of this process (all threads, user + system), ms: steadier on a shared machine. */
  cpu: number;
}

async function timeIt(runs: number, work: () => Promise<unknown>): Promise<Timing> {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let run = 0; run < runs; run++) {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await work();
    walls.push(performance.now() - started);
    const cpu = process.cpuUsage(cpuBefore);
    cpus.push((cpu.user + cpu.system) / 1000);
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return { wall: median(walls), cpu: median(cpus) };
}

/**
 * Times several variants round by round (a, b, c, b, c, a, ...: each round starts one further on)
 * so that a slow spell on a shared machine hits every variant alike and no variant always runs
 * right after the same neighbour; medians per variant. Before each run the garbage of the last
 * one is collected (with --expose-gc, as `npm run bench:upscale` runs it) and thread pools get a
 * moment to go idle, so one variant's clean-up is not billed to the next.
 */
async function timeInterleaved<K extends string>(rounds: number, works: Record<K, () => Promise<unknown>>): Promise<Record<K, Timing>> {
  const samples = new Map<K, { walls: number[]; cpus: number[] }>();
  const names = Object.keys(works) as K[];
  for (const name of names) samples.set(name, { walls: [], cpus: [] });
  for (let round = 0; round < rounds; round++) {
    for (let step = 0; step < names.length; step++) {
      const name = names[(round + step) % names.length]!;
      await settle();
      const timing = await timeIt(1, works[name]);
      samples.get(name)!.walls.push(timing.wall);
      samples.get(name)!.cpus.push(timing.cpu);
    }
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const result = {} as Record<K, Timing>;
  for (const name of names) result[name] = { wall: median(samples.get(name)!.walls), cpu: median(samples.get(name)!.cpus) };
  return result;
}

async function settle(): Promise<void> {
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((resolve) => setTimeout(resolve, 100));
}

function ms(timing: Timing): string {
  return `${timing.wall.toFixed(0).padStart(7)} ms wall ${timing.cpu.toFixed(0).padStart(7)} ms CPU`;
}

function ratio(slower: Timing, faster: Timing): string {
  return `${(slower.wall / faster.wall).toFixed(2)}x wall / ${(slower.cpu / faster.cpu).toFixed(2)}x CPU`;
}

function photoPath(): string {
  // The only real photo in the installed packages (128 x 128): UpscalerJS' own test fixture.
  return path.join(locateNpmPackage('@upscalerjs/esrgan-slim')!.dir, 'assets', 'fixture.png');
}

async function runExecutor(kind: EnhanceKind, params: object, file: string): Promise<{ path: string; summary: JsonObject; cleanup(): Promise<void> }> {
  const run = fakeContext({ params: enhanceParamsSchema.parse(params), job: { workflow: 'enhance' }, inputs: [{ artifact: inputArtifact(), path: file }], storeDir: null, laneConcurrency: 1 });
  const result = (await kind.executor!.run(run.ctx)) as { summary: JsonObject };
  return { path: run.outputs[0]!.path, summary: result.summary, cleanup: () => run.cleanup() };
}

async function rgbOf(file: string): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function psnr(a: Uint8Array, b: Uint8Array): number {
  let squared = 0;
  for (let index = 0; index < a.length; index++) squared += (a[index]! - b[index]!) ** 2;
  const mse = squared / a.length;
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

// ---------------------------------------------------------------- raw onnxruntime and UpscalerJS

async function preparedModel(preset: 'balanced' | 'quality' | 'max', scale: number, pool: SessionPool): Promise<PreparedModel> {
  const options = enhanceOptionsSchema.parse({ modelCacheDir: MODEL_CACHE, threads: THREADS });
  return new ModelStore(options, pool, locateNpmPackage).forPreset(preset, scale);
}

function toNchw(rgb: Buffer, width: number, height: number): Float32Array {
  const plane = width * height;
  const nchw = new Float32Array(plane * 3);
  for (let pixel = 0; pixel < plane; pixel++) {
    nchw[pixel] = rgb[pixel * 3]!;
    nchw[pixel + plane] = rgb[pixel * 3 + 1]!;
    nchw[pixel + 2 * plane] = rgb[pixel * 3 + 2]!;
  }
  return nchw;
}

async function rawOnnxUntiled(session: ort.InferenceSession, nchw: Float32Array, width: number, height: number): Promise<void> {
  await session.run({ input: new ort.Tensor('float32', nchw, [1, 3, height, width]) });
}

async function ourTiler(pooled: PooledSession, model: PreparedModel, rgb: Buffer, width: number, height: number, grid: TileGrid): Promise<number> {
  const plan = planTiles(width, height, { ...grid, context: model.tileContext, feather: TILE_FEATHER, borderPad: Math.min(model.tileContext, BORDER_PAD) });
  // Rounding into 8 bits is part of the stage: the tiler writes final pixels as tiles finish.
  const target = Buffer.allocUnsafe(width * model.scale * height * model.scale * 3);
  await upscaleTiled({
    image: { data: rgb, width, height },
    plan,
    scale: model.scale,
    upscaleWindow: onnxWindowUpscaler(pooled, model, Math.min(model.tileContext, BORDER_PAD)),
    signal: new AbortController().signal,
    write: roundingWriter(target, width * model.scale, 3),
  });
  return plan.count;
}

interface UpscalerJs {
  upscale(input: unknown, options: { output: 'tensor' }): Promise<{ dispose(): void; shape: number[] }>;
  dispose(): Promise<void>;
}

type UpscalerConstructor = new (options: { model: object }) => UpscalerJs;

/**
 * UpscalerJS ships ESM without "type": "module": TypeScript types the import as CommonJS (the
 * class under `.default.default`) while tsx hands over the class as `.default`. Accept both.
 */
function upscalerConstructor(loaded: unknown): UpscalerConstructor {
  const outer = (loaded as { default?: unknown }).default;
  const inner = (outer as { default?: unknown } | undefined)?.default;
  const found = typeof outer === 'function' ? outer : inner;
  if (typeof found !== 'function') throw new Error('could not find the UpscalerJS class in the "upscaler" package');
  return found as UpscalerConstructor;
}

/** UpscalerJS with @tensorflow/tfjs' wasm backend, the same esrgan-slim weights, no patching. */
async function createUpscalerJs(scale: number): Promise<{ upscaler: UpscalerJs; tf: typeof import('@tensorflow/tfjs'); threads: number }> {
  const tf = await import('@tensorflow/tfjs');
  tf.enableProdMode(); // no console warnings (the CPU backend's "Hi, looks like you are running TensorFlow.js in Node.js" banner) in the figures
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(`${path.dirname(requireHere.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'))}/`);
  wasm.setThreadsCount(THREADS);
  if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs wasm backend did not start');
  const Upscaler = upscalerConstructor(await import('upscaler'));
  const definitionModule = requireHere(`@upscalerjs/esrgan-slim/${scale}x`) as { default?: object };
  const definition = definitionModule.default ?? definitionModule;
  // UpscalerJS would fetch model.json over HTTP; hand tfjs the same files from disk instead.
  const modelJson = path.join(locateNpmPackage('@upscalerjs/esrgan-slim')!.dir, 'models', `x${scale}`, 'model.json');
  const json = JSON.parse(await readFile(modelJson, 'utf8')) as { modelTopology: object; weightsManifest: Array<{ paths: string[]; weights: import('@tensorflow/tfjs').io.WeightsManifestEntry[] }> };
  const shards = Buffer.concat(await Promise.all(json.weightsManifest.flatMap((group) => group.paths).map((shard) => readFile(path.join(path.dirname(modelJson), shard)))));
  const handler = tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
    weightData: shards.buffer.slice(shards.byteOffset, shards.byteOffset + shards.byteLength),
  });
  // UpscalerJS passes `path` straight to tf.loadLayersModel, which takes an IOHandler as well as a URL.
  const upscaler = new Upscaler({ model: { ...definition, path: handler } });
  return { upscaler, tf, threads: wasm.getThreadsCount() };
}

// ---------------------------------------------------------------- sections

async function speedSection(kind: EnhanceKind, work: string): Promise<void> {
  const input512 = path.join(work, 'photo-512.png');
  await sharp(photoPath()).resize(512, 512, { kernel: 'lanczos3' }).png().toFile(input512);
  const { data: rgb } = await rgbOf(input512);
  const pool = new SessionPool({ threads: THREADS, executionProviders: ['cpu'] });

  console.log(`\n== 512 x 512 photo, esrgan-slim (balanced), ${THREADS} onnxruntime threads, median of ${ROUNDS} interleaved rounds ==`);
  for (const scale of [2, 4]) {
    const model = await preparedModel('balanced', scale, pool);
    const pooled = await pool.get(model.onnxPath);
    const nchw = toNchw(rgb, 512, 512);
    const ortDefaults = await ort.InferenceSession.create(model.onnxPath, { intraOpNumThreads: THREADS });
    const oneThread = await ort.InferenceSession.create(model.onnxPath, { intraOpNumThreads: 1 });

    await runExecutor(kind, { scale }, input512).then((result) => result.cleanup()); // warm-up: converts and loads
    let summary: JsonObject = {};
    const gridFor = (budgetMB: number) =>
      tileGridForBudget({
        width: 512,
        height: 512,
        budgetBytes: modelWindowBudget(budgetMB * 1024 * 1024, 512 * scale * 512 * scale * 3),
        bytesPerPixel: estimatedBytesPerInputPixel(model.bytesPerInputPixel, model.scale),
        context: model.tileContext,
        feather: TILE_FEATHER,
        borderPad: Math.min(model.tileContext, BORDER_PAD),
      });
    const grid = gridFor(DEFAULT_BUDGET_MB);
    // What a smaller budget gets: shows what each seam costs.
    const smallGrid = gridFor(SMALL_BUDGET_MB);
    let smallTiles = 0;
    const oneWindow = { tileWidth: 512, tileHeight: 512 };
    let tiles = 0;
    const { upscaler, tf, threads: wasmThreads } = await createUpscalerJs(scale);
    const tensor = tf.tensor3d(new Uint8Array(rgb), [512, 512, 3], 'int32');
    const upscaleWithJs = async () => (await upscaler.upscale(tensor, { output: 'tensor' })).dispose();
    await upscaleWithJs();
    // Warm every path once (JIT, arena growth), then interleave the timed rounds.
    await ourTiler(pooled, model, rgb, 512, 512, grid);
    await ourTiler(pooled, model, rgb, 512, 512, smallGrid);
    await ourTiler(pooled, model, rgb, 512, 512, oneWindow);
    await rawOnnxUntiled(pooled.session, nchw, 512, 512);
    await rawOnnxUntiled(ortDefaults, nchw, 512, 512);
    const timed = await timeInterleaved(ROUNDS, {
      executor: async () => {
        const result = await runExecutor(kind, { scale }, input512);
        summary = result.summary;
        await result.cleanup();
      },
      tiled: async () => {
        tiles = await ourTiler(pooled, model, rgb, 512, 512, grid);
      },
      oneTile: () => ourTiler(pooled, model, rgb, 512, 512, oneWindow),
      smallBudget: async () => {
        smallTiles = await ourTiler(pooled, model, rgb, 512, 512, smallGrid);
      },
      rawOurSettings: () => rawOnnxUntiled(pooled.session, nchw, 512, 512),
      raw: () => rawOnnxUntiled(ortDefaults, nchw, 512, 512),
      upscalerJs: upscaleWithJs,
    });
    const { executor, tiled, oneTile, smallBudget, rawOurSettings, raw, upscalerJs } = timed;
    // The 2-thread default session spins its idle threads: release it before timing on one
    // thread (alive, it made the 1-thread raw run take 2.5 s instead of 1.5 s).
    await ortDefaults.release();
    // Single-threaded, CPU time is free of thread spinning and neighbours: the fairest overhead figure.
    const singlePool = new SessionPool({ threads: 1, executionProviders: ['cpu'] });
    const single = await singlePool.get(model.onnxPath);
    await rawOnnxUntiled(oneThread, nchw, 512, 512);
    await ourTiler(single, model, rgb, 512, 512, grid);
    const oneThreadTimed = await timeInterleaved(3, {
      raw: () => rawOnnxUntiled(oneThread, nchw, 512, 512),
      tiled: () => ourTiler(single, model, rgb, 512, 512, grid),
      oneTile: () => ourTiler(single, model, rgb, 512, 512, oneWindow),
    });
    const { raw: rawOneThread, tiled: tiledOneThread, oneTile: oneTileOneThread } = oneThreadTimed;
    await Promise.all([oneThread.release(), singlePool.dispose()]);
    const lanczos = await timeIt(3, () => sharp(input512).resize(512 * scale, 512 * scale, { kernel: 'lanczos3' }).png().toFile(path.join(work, `lanczos-x${scale}.png`)));

    tensor.dispose();
    await upscaler.dispose();

    console.log(`-- x${scale} (output ${512 * scale} x ${512 * scale})`);
    console.log(`  enhance executor, end to end (decode, ${String(summary.tiles)} tiles of ${String(summary.tileWidth)} x ${String(summary.tileHeight)}, PNG encode)  ${ms(executor)}`);
    console.log(`  our tiler, model stage (${tiles} tiles, core ${grid.tileWidth} x ${grid.tileHeight}, context ${model.tileContext}, border pad)  ${ms(tiled)}`);
    console.log(`  our tiler, one 528 x 528 window (border pad only)                  ${ms(oneTile)}`);
    console.log(`  our tiler at a ${SMALL_BUDGET_MB} MB budget (${smallTiles} tiles, core ${smallGrid.tileWidth} x ${smallGrid.tileHeight})         ${ms(smallBudget)}`);
    console.log(`  raw onnxruntime, untiled, default session options, ${THREADS} threads       ${ms(raw)}`);
    console.log(`  raw onnxruntime, untiled, our session options (no memory pattern)  ${ms(rawOurSettings)}`);
    console.log(`  raw onnxruntime, untiled, default session options, 1 thread        ${ms(rawOneThread)}`);
    console.log(`  our tiler, model stage, 1 thread                                   ${ms(tiledOneThread)}`);
    console.log(`  our tiler, one 528 x 528 window, 1 thread                          ${ms(oneTileOneThread)}`);
    console.log(`  UpscalerJS 1.0.0, tfjs wasm backend (${wasmThreads} thread${wasmThreads === 1 ? '' : 's'}), untiled            ${ms(upscalerJs)}`);
    console.log(`  sharp Lanczos (resize + PNG encode)                                ${ms(lanczos)}`);
    console.log(`  => UpscalerJS / enhance executor: ${ratio(upscalerJs, executor)};  UpscalerJS / raw onnxruntime: ${ratio(upscalerJs, raw)};  UpscalerJS / raw onnxruntime 1 thread: ${ratio(upscalerJs, rawOneThread)}`);
    console.log(`  => tiling overhead: tiled / raw untiled ${ratio(tiled, raw)};  tiled / raw untiled with our options ${ratio(tiled, rawOurSettings)};  tiled / one window ${ratio(tiled, oneTile)};  ${SMALL_BUDGET_MB} MB budget / raw untiled ${ratio(smallBudget, raw)}`);
    console.log(`  => 1 thread: tiled / raw untiled ${ratio(tiledOneThread, rawOneThread)};  tiled / one window ${ratio(tiledOneThread, oneTileOneThread)};  UpscalerJS / our tiler ${ratio(upscalerJs, tiledOneThread)}`);
    console.log(`  => executor / raw untiled ${ratio(executor, raw)};  executor / Lanczos ${ratio(executor, lanczos)}`);
  }
  await pool.dispose();
}

/**
 * 5. Row bands for progress: an image that fits one window (or a few) runs as as many row bands
 *    as 5% more model input buys (withProgressBands), so each band is a progress step. Times the
 *    model stage with and without the bands, on the same model and session, interleaved.
 */
async function bandsSection(): Promise<void> {
  console.log(`\n== Row bands for progress (balanced x2, ${THREADS} threads, model stage; medians of ${BAND_ROUNDS} interleaved rounds) ==`);
  const pool = new SessionPool({ threads: THREADS, executionProviders: ['cpu'] });
  const model = await preparedModel('balanced', 2, pool);
  const pooled = await pool.get(model.onnxPath);
  const borderPad = Math.min(model.tileContext, BORDER_PAD);
  for (const [width, height] of [[512, 512], [1024, 768], [96, 3200]] as const) {
    const rgb = photoLikeRgb(width, height, 5);
    const budgetGrid = tileGridForBudget({
      width,
      height,
      budgetBytes: modelWindowBudget(DEFAULT_BUDGET_MB * 1024 * 1024, width * 2 * height * 2 * 3),
      bytesPerPixel: estimatedBytesPerInputPixel(model.bytesPerInputPixel, model.scale),
      context: model.tileContext,
      feather: TILE_FEATHER,
      borderPad,
    });
    const banded = withProgressBands(budgetGrid, { height, context: model.tileContext, feather: TILE_FEATHER, borderPad });
    const fed = (grid: TileGrid) => {
      const plan = planTiles(width, height, { ...grid, context: model.tileContext, feather: TILE_FEATHER, borderPad });
      const along = (tiles: typeof plan.rows) => tiles.reduce((sum, tile) => sum + tile.windowEnd - tile.windowStart + (tile.blendsBefore ? 0 : borderPad) + (tile.blendsAfter ? 0 : borderPad), 0);
      return { pixels: along(plan.columns) * along(plan.rows), count: plan.count };
    };
    const [plain, withBands] = [fed(budgetGrid), fed(banded)];
    // Warm both shapes (arena growth), then interleave.
    await ourTiler(pooled, model, rgb, width, height, budgetGrid);
    await ourTiler(pooled, model, rgb, width, height, banded);
    const timed = await timeInterleaved(BAND_ROUNDS, {
      plain: () => ourTiler(pooled, model, rgb, width, height, budgetGrid),
      bands: () => ourTiler(pooled, model, rgb, width, height, banded),
    });
    console.log(`-- ${width} x ${height}: ${plain.count} window${plain.count === 1 ? '' : 's'} -> ${withBands.count} (model input +${((withBands.pixels / plain.pixels - 1) * 100).toFixed(1)}%)`);
    console.log(`  without bands  ${ms(timed.plain)}`);
    console.log(`  with bands     ${ms(timed.bands)}`);
    console.log(`  => bands / no bands ${ratio(timed.bands, timed.plain)}`);
  }
  await pool.dispose();
}

async function qualitySection(kind: EnhanceKind, work: string): Promise<void> {
  const lanczosOnly = createEnhanceKind({ modelCacheDir: MODEL_CACHE, threads: THREADS, preview: false, fastSharpen: false });
  const synthetic = path.join(work, 'synthetic-256.png');
  await sharp(photoLikeRgb(256, 256, 3), { raw: { width: 256, height: 256, channels: 3 } }).png().toFile(synthetic);
  const presets: QualityPreset[] = ['fast', 'balanced', 'quality', 'max'];
  console.log('\n== PSNR (dB, RGB, whole image) against the original, downscaled (bicubic) then upscaled ==');
  console.log(`  image                      scale   lanczos   ${presets.map((preset) => preset.padStart(8)).join('  ')}`);
  for (const [label, file] of [['photo 128 x 128 (UpscalerJS fixture)', photoPath()], ['synthetic photo-like 256 x 256', synthetic]] as const) {
    const original = await rgbOf(file);
    for (const scale of [2, 4]) {
      const small = path.join(work, `down-x${scale}.png`);
      await sharp(file).resize(original.width / scale, original.height / scale, { kernel: 'cubic' }).png().toFile(small);
      const lanczos = await runExecutor(lanczosOnly, { qualityPreset: 'fast', scale }, small);
      const lanczosScore = psnr((await rgbOf(lanczos.path)).data, original.data);
      await lanczos.cleanup();
      const scores: string[] = [];
      for (const preset of presets) {
        const result = await runExecutor(kind, { qualityPreset: preset, scale }, small);
        scores.push(psnr((await rgbOf(result.path)).data, original.data).toFixed(2).padStart(8));
        await result.cleanup();
      }
      console.log(`  ${label.padEnd(36)} x${scale}     ${lanczosScore.toFixed(2).padStart(7)}   ${scores.join('  ')}`);
    }
  }
  console.log('  (fast = Lanczos + light sharpening; lanczos = the fast preset with fastSharpen off)');
  await lanczosOnly.close();
}

function rssSection(): void {
  console.log(`\n== Peak RSS, 2048 x 2048 input at x4 (balanced, default ${DEFAULT_BUDGET_MB} MB budget), child process ==`);
  const output = execFileSync(process.execPath, ['--import', 'tsx', thisFile, '--rss-child', '2048', '4'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const figures = JSON.parse(output.trim().split('\n').at(-1)!) as { maxRssMB: number; durationMs: number; tiles: number; tileWidth: number; tileHeight: number; outputBytes: number };
  const verdict = figures.maxRssMB < 1536 ? 'under' : 'OVER';
  console.log(`  peak RSS ${figures.maxRssMB.toFixed(0)} MB (${verdict} the 1536 MB target); ${figures.tiles} tiles of ${figures.tileWidth} x ${figures.tileHeight}; ${(figures.durationMs / 1000).toFixed(1)} s; output ${(figures.outputBytes / 1e6).toFixed(0)} MB PNG`);
}

/**
 * This process's own peak RSS. Not getrusage's maxRSS: on Linux a spawned child starts as a fork
 * of its parent, and maxRSS keeps the parent's size at that moment across exec (after the speed
 * section the bench itself holds ~1.6 GB, which then read as this child's peak). VmHWM belongs to
 * the child's own address space.
 */
async function peakRssMB(): Promise<number> {
  const status = await readFile('/proc/self/status', 'utf8').catch(() => '');
  const highWater = /VmHWM:\s+(\d+) kB/.exec(status);
  return highWater ? Number(highWater[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
}

/** Child mode: one enhance job on a size x size photo-like input; prints its own peak RSS. */
async function rssChild(size: number, scale: number): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'media-lab-bench-rss-'));
  try {
    const input = path.join(work, 'input.png');
    await sharp(photoPath()).resize(size, size, { kernel: 'lanczos3' }).png().toFile(input);
    const kind = createEnhanceKind({ modelCacheDir: MODEL_CACHE, threads: THREADS, preview: false });
    const result = await runExecutor(kind, { qualityPreset: 'balanced', scale }, input);
    const outputBytes = (await readFile(result.path)).length;
    await result.cleanup();
    await kind.close();
    const figures = {
      maxRssMB: await peakRssMB(),
      durationMs: result.summary.durationMs,
      tiles: result.summary.tiles,
      tileWidth: result.summary.tileWidth,
      tileHeight: result.summary.tileHeight,
      outputBytes,
    };
    console.log(JSON.stringify(figures));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const childAt = process.argv.indexOf('--rss-child');
  if (childAt >= 0) return rssChild(Number(process.argv[childAt + 1]), Number(process.argv[childAt + 2]));

  // `--sections speed,rss` runs a subset; all four by default.
  const sectionsAt = process.argv.indexOf('--sections');
  const sections = new Set(sectionsAt >= 0 ? (process.argv[sectionsAt + 1] ?? '').split(',') : ['speed', 'quality', 'rss', 'bands']);
  console.log(`enhance benchmark on ${os.cpus()[0]?.model ?? 'unknown CPU'} x ${os.availableParallelism()}, Node ${process.version}, onnxruntime-node ${ort.env.versions.common}, sharp ${sharp.versions.sharp}`);
  const work = await mkdtemp(path.join(os.tmpdir(), 'media-lab-bench-'));
  const kind = createEnhanceKind({ modelCacheDir: MODEL_CACHE, threads: THREADS, preview: false });
  try {
    if (sections.has('speed')) await speedSection(kind, work);
    if (sections.has('quality')) await qualitySection(kind, work);
    if (sections.has('rss')) rssSection();
    if (sections.has('bands')) await bandsSection();
  } finally {
    await kind.close();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
