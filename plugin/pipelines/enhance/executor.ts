// The enhance executor: checks the input, runs the engine of the preset (sharp Lanczos or an
// ONNX model), reports progress, and records the output (plus a small preview) with what is
// needed to reproduce it.
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { MediaLabError } from '../../core/errors.js';
import type { Executor, ExecutorContext, JsonObject } from '../../core/types.js';
import type { ImageFacts } from './image-input.js';
import { assertDecodable, decodeRgb, probeImage } from './image-input.js';
import type { WrittenImage } from './image-output.js';
import { writePreview } from './image-output.js';
import { lanczosUpscale } from './lanczos-upscale.js';
import type { ModelStore } from './model-store.js';
import { TILE_FEATHER, modelUpscale } from './model-upscale.js';
import type { EnhanceOptions, ModelPreset } from './options.js';
import type { EnhanceParams } from './params.js';
import { enhanceParamsSchema, targetScaleOf } from './params.js';
import type { SessionPool } from './session-pool.js';

export interface EnhanceExecutorDeps {
  options: EnhanceOptions;
  models: ModelStore;
  sessions: SessionPool;
  /** Forces a tile core size (tests, benchmarks). */
  tileSize?: number;
}

/** Share of the progress bar the tiles fill; checks before and encoding after take the rest. */
const TILE_PROGRESS_START = 0.05;
const TILE_PROGRESS_END = 0.9;
/** Encoding the output takes most of what is left; the small preview comes last. */
const PREVIEW_PROGRESS = 0.97;

type Report = (fraction: number, stage: string) => void;

/** What one engine run produced. */
interface EngineResult {
  output: WrittenImage;
  preview: WrittenImage | null;
  details: JsonObject;
}

/** Everything an engine needs for one job, checked and sized. */
interface EngineJob {
  ctx: ExecutorContext<EnhanceParams>;
  deps: EnhanceExecutorDeps;
  file: string;
  facts: ImageFacts;
  targetScale: number;
  width: number;
  height: number;
  baseName: string;
  report: Report;
}

export function createEnhanceExecutor(deps: EnhanceExecutorDeps): Executor<EnhanceParams> {
  return { run: (ctx) => runEnhance(ctx, deps) };
}

async function runEnhance(ctx: ExecutorContext<EnhanceParams>, deps: EnhanceExecutorDeps): Promise<{ summary: JsonObject }> {
  const started = performance.now();
  const { options } = deps;
  const parsed = enhanceParamsSchema.safeParse(ctx.params);
  if (!parsed.success) throw new MediaLabError('VALIDATION_FAILED', `Invalid enhance parameters: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  const params = parsed.data;
  const report = monotonicProgress(ctx);
  const input = ctx.inputs[0];
  if (!input) throw new MediaLabError('INPUT_MISSING', 'The enhance job has no input image.');
  const file = ctx.inputPath(input);

  report(0, 'checking input');
  const facts = await probeImage(file, options.maxInputPixels);
  const targetScale = targetScaleOf(params);
  const width = Math.round(facts.width * targetScale);
  const height = Math.round(facts.height * targetScale);
  assertOutputFits(width, height, options.maxOutputPixels, `at x${targetScale}`);
  ctx.signal.throwIfAborted();

  const job: EngineJob = { ctx, deps, file, facts, targetScale, width, height, baseName: `enhanced-${ctx.job.id}`, report };
  const { output, preview, details } = params.qualityPreset === 'fast' ? await runLanczos(job) : await runModel(job, params.qualityPreset);

  const metadata: JsonObject = {
    qualityPreset: params.qualityPreset,
    requestedScale: params.scale,
    outscale: params.outscale ?? null,
    scale: targetScale,
    input: { format: facts.format, width: facts.width, height: facts.height, orientation: facts.orientation },
    alpha: facts.hasAlpha,
    iccProfile: facts.icc ? 'kept' : 'none',
    ...details,
    outputFormat: output.format,
    durationMs: Math.round(performance.now() - started),
  };
  await ctx.addOutput({ path: output.path, role: 'output', facts: imageFacts(output), metadata });
  if (preview) {
    await ctx.addOutput({ path: preview.path, role: 'preview', facts: imageFacts(preview), metadata: { previewOf: 'output', qualityPreset: params.qualityPreset } });
  }
  report(1, 'done');
  return { summary: metadata };
}

async function runLanczos(job: EngineJob): Promise<EngineResult> {
  const { ctx, deps, file, report } = job;
  const { options } = deps;
  await assertDecodable(file, options.maxInputPixels);
  await ctx.setBackend('sharp');
  report(TILE_PROGRESS_START, 'resizing');
  const output = await lanczosUpscale({ file, facts: job.facts, width: job.width, height: job.height, sharpen: options.fastSharpen, maxInputPixels: options.maxInputPixels, directory: ctx.tempDir, baseName: job.baseName });
  // At preview size the input looks like the output, and is much cheaper to read.
  const preview = options.preview ? await writePreview(sharp(file, { limitInputPixels: options.maxInputPixels }).autoOrient(), ctx.tempDir, job.baseName) : null;
  return {
    output,
    preview,
    details: {
      engine: 'sharp',
      model: null,
      modelScale: null,
      kernel: 'lanczos3',
      sharpened: options.fastSharpen,
      tileWidth: null,
      tileHeight: null,
      tiles: null,
      threads: sharp.concurrency(),
      executionProvider: null,
    },
  };
}

async function runModel(job: EngineJob, preset: ModelPreset): Promise<EngineResult> {
  const { ctx, deps, file, facts, report } = job;
  const { options } = deps;
  // Decode first: a damaged file fails before any model is converted or loaded.
  const decoded = await decodeRgb(file, options.maxInputPixels);
  ctx.signal.throwIfAborted();
  report(0, 'loading model');
  // The first use of a model on this server converts it to ONNX first: a stage of its own.
  const model = await deps.models.forPreset(preset, job.targetScale, () => report(0, 'converting model (first use)'));
  report(0.01, 'loading model');
  assertOutputFits(facts.width * model.scale, facts.height * model.scale, options.maxOutputPixels, `through the x${model.scale} model`);
  // Held for the whole run: an idle-release sweep cannot take the session away mid-job.
  return deps.sessions.use(model.onnxPath, async (session) => {
    await ctx.setBackend(`onnxruntime:${session.executionProvider}`);
    ctx.signal.throwIfAborted();
    report(TILE_PROGRESS_START, 'upscaling');
    const windows = windowProgress(report);
    const result = await modelUpscale({
      onPlan: (plan) => windows.start(plan.count, plan.columns.length === 1 ? 'band' : 'tile'),
      facts,
      decoded,
      model,
      session,
      width: job.width,
      height: job.height,
      memoryBudgetBytes: options.memoryBudgetMB * 1024 * 1024,
      tileSize: deps.tileSize,
      directory: ctx.tempDir,
      baseName: job.baseName,
      preview: options.preview,
      signal: ctx.signal,
      onTileDone: (done) => windows.done(done),
      onStage: (stage) => (stage === 'encoding' ? report(TILE_PROGRESS_END, 'encoding') : report(PREVIEW_PROGRESS, 'writing preview')),
    }).finally(() => windows.stop());
    return {
      output: result.output,
      preview: result.preview,
      details: {
        engine: 'onnxruntime',
        model: { name: model.name, source: model.source, sha256: model.sha256, bytes: model.bytes },
        modelScale: model.scale,
        tileWidth: result.plan.tileWidth,
        tileHeight: result.plan.tileHeight,
        tileContext: result.plan.context,
        tileFeather: TILE_FEATHER,
        tiles: result.plan.count,
        threads: deps.sessions.threads,
        executionProvider: session.executionProvider,
      },
    };
  });
}

/** How often a window that runs long says so. */
const WINDOW_TICK_MS = 1000;
/** An estimate inside a window never passes this share of it (the window's end is reported when it ends). */
const WINDOW_ESTIMATE_CAP = 0.9;

/**
 * Progress through the model's windows: a step as each window (band or tile) finishes, and while
 * one runs longer than a second, a tick each second. The tick's fraction is estimated from how long
 * this job's earlier windows took (never past 90% of the window); before any window has finished
 * there is nothing to estimate from, so the fraction stays and the stage counts the seconds
 * ("upscaling, band 1 of 7 · 3 s").
 */
function windowProgress(report: Report) {
  let total = 1;
  let unit: 'band' | 'tile' = 'tile';
  let done = 0;
  let firstStarted = 0;
  let windowStarted = 0;
  let timer: NodeJS.Timeout | null = null;
  const base = () => TILE_PROGRESS_START + ((TILE_PROGRESS_END - TILE_PROGRESS_START) * done) / total;
  const tick = () => {
    const now = performance.now();
    const elapsed = now - windowStarted;
    if (elapsed < WINDOW_TICK_MS * 0.9) return;
    const share = (TILE_PROGRESS_END - TILE_PROGRESS_START) / total;
    const perWindow = done > 0 ? (windowStarted - firstStarted) / done : 0;
    const estimate = perWindow > 0 ? share * Math.min(WINDOW_ESTIMATE_CAP, elapsed / perWindow) : 0;
    report(base() + estimate, `${upscalingStage(done, total, unit)} · ${Math.round(elapsed / 1000)} s`);
  };
  return {
    start(count: number, kind: 'band' | 'tile') {
      total = count;
      unit = kind;
      firstStarted = windowStarted = performance.now();
      report(TILE_PROGRESS_START, upscalingStage(0, total, unit));
      timer = setInterval(tick, WINDOW_TICK_MS);
      timer.unref();
    },
    done(count: number) {
      done = count;
      windowStarted = performance.now();
      report(base(), upscalingStage(done, total, unit));
      if (done >= total) this.stop();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}

/** "upscaling, band 2 of 5" (full-width row bands) or "upscaling, tile 7 of 20" (a grid): the window running now. */
function upscalingStage(done: number, total: number, unit: 'band' | 'tile'): string {
  return total > 1 ? `upscaling, ${unit} ${Math.min(done + 1, total)} of ${total}` : 'upscaling';
}

function imageFacts(image: WrittenImage) {
  return { kind: 'image' as const, mime: image.mime, width: image.width, height: image.height };
}

function assertOutputFits(width: number, height: number, maxOutputPixels: number, how: string): void {
  if (width * height <= maxOutputPixels) return;
  throw new MediaLabError(
    'INPUT_TOO_LARGE',
    `Enhancing this image ${how} would make ${width} x ${height} pixels (${((width * height) / 1e6).toFixed(0)} megapixels), above the ${(maxOutputPixels / 1e6).toFixed(0)} megapixel limit. Pick a smaller scale or a smaller image.`,
  );
}

/** Progress that never goes backwards, whatever order the stages report in. */
function monotonicProgress(ctx: ExecutorContext<EnhanceParams>): Report {
  let last = -1;
  let lastStage = '';
  return (fraction, stage) => {
    const clamped = Math.min(1, Math.max(last, fraction));
    if (clamped === last && stage === lastStage) return;
    last = clamped;
    lastStage = stage;
    ctx.progress({ fraction: clamped, stage });
  };
}
