// The interpolate executor: analyze the input once (frames, keyframes, scene cuts), plan
// segments, interpolate them in parallel up to the lane limit (resuming finished ones from the
// checkpoint), join them without re-encoding next to the source's audio and subtitles, and
// record the video plus a poster. On failure or cancel it leaves no process and no partial file.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Executor, ExecutorContext, ExecutorResult } from '../../core/types.js';
import { MediaLabError } from '../../core/errors.js';
import type { InterpolateOptions } from './options.js';
import type { InterpolateParams } from './params.js';
import { frameRatio, outputFrameBoundary, parseRate, rateToNumber, roundFps, type Rational } from './rates.js';
import { probeSource, uprightSize, type SourceStreams, type SourceVideoStream } from './analysis/probe-source.js';
import { checkpointJson, readCheckpoint, type InterpolateCheckpoint } from './checkpoint.js';
import { analyzeAndPlan, resolveTarget, workFingerprint } from './work-plan.js';
import { createEngine } from './engines/index.js';
import { removePartials, segmentsDir, stillFinished } from './segment-files.js';
import { renderPendingSegments } from './render-segments.js';
import { analysisShare, FrameProgress } from './progress.js';
import { planMux, type MuxPlan } from './mux-plan.js';
import { joinSegments } from './join.js';
import { probeWritten } from './output-probe.js';
import { posterSize, writePoster } from './poster.js';
import { recordOutputs } from './record-outputs.js';
import { cancellationError } from './ffmpeg/errors.js';

export function createInterpolateExecutor(options: InterpolateOptions): Executor<InterpolateParams> {
  return { run: (ctx) => interpolate(ctx, options) };
}

type Ctx = ExecutorContext<InterpolateParams>;
type SaveCheckpoint = (state: InterpolateCheckpoint) => Promise<void>;

/** The work of one job: the saved (or new) plan, and the rates it was made for. */
interface Work {
  state: InterpolateCheckpoint;
  sourceRate: Rational;
  target: Rational;
  ratio: Rational;
  totalFrames: number;
}

/** Checkpoint writes, one after the other; `settled` waits for the last one. */
function checkpointWriter(ctx: Ctx): { save: SaveCheckpoint; settled: () => Promise<void> } {
  let saving = Promise.resolve();
  return {
    save: (state) => {
      const snapshot = checkpointJson(state);
      saving = saving.then(() => ctx.saveCheckpoint(snapshot));
      return saving;
    },
    settled: () => saving.catch(() => undefined),
  };
}

/** The checkpoint's plan when it is for this same work; otherwise analyze the source and plan (and save that). */
async function loadOrPlan(ctx: Ctx, options: InterpolateOptions, inputPath: string, streams: SourceStreams, save: SaveCheckpoint): Promise<Work> {
  const fingerprint = workFingerprint(ctx, options);
  let state = readCheckpoint(ctx.job.checkpoint, fingerprint);
  if (!state) {
    state = await analyzeAndPlan(ctx, options, inputPath, streams, fingerprint);
    await save(state);
  }
  const sourceRate = parseRate(state.sourceRate);
  if (!sourceRate) throw new MediaLabError('INTERNAL', `The saved source rate is unreadable: ${state.sourceRate}`);
  const target = resolveTarget(sourceRate, ctx, options);
  const ratio = frameRatio(sourceRate, target);
  return { state, sourceRate, target, ratio, totalFrames: outputFrameBoundary(state.frameCount, ratio) };
}

/** Resume: keeps the segments whose files survived, drops what a dead attempt half-wrote. Returns how many were kept. */
async function keepFinishedSegments(segmentDir: string, state: InterpolateCheckpoint, save: SaveCheckpoint): Promise<number> {
  await mkdir(segmentDir, { recursive: true });
  await removePartials(segmentDir);
  const kept = await stillFinished(segmentDir, state.finished);
  if (kept.length !== state.finished.length) {
    state.finished = kept;
    await save(state);
  }
  return kept.length;
}

/** Progress over all output frames, the kept segments already counted. */
/** Where a fraction of the interpolating part lands on the job's bar (after the analysis part). */
function jobFraction(ctx: Ctx, interpolated: number): number {
  const share = analysisShare(ctx.params.mode);
  return share + (1 - share) * interpolated;
}

function frameProgress(ctx: Ctx, work: Work): FrameProgress {
  const progress = new FrameProgress(work.totalFrames, (fraction) => ctx.progress({ fraction: jobFraction(ctx, fraction), stage: 'interpolating' }));
  const keptIndexes = new Set(work.state.finished.map((f) => f.index));
  progress.addFinished(work.state.segments.filter((s) => keptIndexes.has(s.index)).reduce((n, s) => n + s.outCount, 0));
  return progress;
}

/** Interpolates the segments not finished yet with the job's engine; returns the engine's description and the most segments rendered at once. */
async function renderSegments(
  ctx: Ctx,
  options: InterpolateOptions,
  work: Work,
  request: { segmentDir: string; inputPath: string; video: SourceVideoStream; progress: FrameProgress; save: SaveCheckpoint },
): Promise<{ engineDescription: string; parallelSegments: number }> {
  const { video } = request;
  const frameSize = uprightSize(video);
  const engine = await createEngine(ctx.params.mode, options, frameSize);
  await ctx.setBackend(`local:${ctx.params.mode}`);
  try {
    const { peakInFlight } = await renderPendingSegments({
      engine,
      state: work.state,
      segmentDir: request.segmentDir,
      inputPath: request.inputPath,
      source: { streamIndex: video.index, rate: work.sourceRate, startOffset: video.startOffset, ...frameSize },
      target: work.target,
      ratio: work.ratio,
      encoder: options.encoder,
      lanes: ctx.laneConcurrency,
      progress: request.progress,
      signal: ctx.signal,
      save: request.save,
    });
    return { engineDescription: engine.description, parallelSegments: peakInFlight };
  } finally {
    await engine.close();
  }
}

/** Joins the segments next to the source's other streams and checks the result has every frame. */
async function joinChecked(ctx: Ctx, work: Work, request: { segmentDir: string; inputPath: string; streams: SourceStreams; mux: MuxPlan; outputPath: string }) {
  const segments = work.state.segments;
  await joinSegments({
    segments: work.state.finished.map((f) => ({ path: join(request.segmentDir, f.file), frames: segments[f.index].outCount })),
    target: work.target,
    videoStartOffset: request.streams.video.startOffset,
    sourcePath: request.inputPath,
    mux: request.mux,
    outputPath: request.outputPath,
    scratchDir: ctx.tempDir,
    signal: ctx.signal,
  });
  const written = await probeWritten(request.outputPath, ctx.signal);
  if (written.frameCount !== work.totalFrames) {
    throw new MediaLabError('INTERNAL', `The joined video has ${written.frameCount} frames instead of ${work.totalFrames}.`);
  }
  return written;
}

async function interpolate(ctx: Ctx, options: InterpolateOptions): Promise<ExecutorResult> {
  const { signal } = ctx;
  const input = ctx.inputs[0];
  if (!input) throw new MediaLabError('INPUT_MISSING', 'The interpolate job has no input video.');
  const inputPath = ctx.inputPath(input);
  const segmentDir = segmentsDir(ctx.workDir);
  const outputs: string[] = [];
  const checkpoints = checkpointWriter(ctx);
  const save = checkpoints.save;

  try {
    ctx.progress({ fraction: 0, stage: 'probing' });
    const streams = await probeSource(inputPath, signal);
    const work = await loadOrPlan(ctx, options, inputPath, streams, save);
    const reusedSegments = await keepFinishedSegments(segmentDir, work.state, save);
    const progress = frameProgress(ctx, work);
    if (reusedSegments) ctx.log('interpolate: resuming', { reusedSegments, of: work.state.segments.length });

    const video = streams.video;
    const { engineDescription, parallelSegments } = await renderSegments(ctx, options, work, { segmentDir, inputPath, video, progress, save });

    ctx.progress({ fraction: jobFraction(ctx, progress.fraction()), stage: 'joining' });
    const mux = planMux(streams);
    const outputPath = join(ctx.tempDir, `interpolated.${mux.extension}`);
    const posterPath = join(ctx.tempDir, 'poster.jpg');
    outputs.push(outputPath, posterPath);
    const written = await joinChecked(ctx, work, { segmentDir, inputPath, streams, mux, outputPath });
    const { target, totalFrames, state } = work;
    const duration = (totalFrames * target.den) / target.num;
    const frameSize = uprightSize(video);
    const poster = posterSize(frameSize.width, frameSize.height);
    await writePoster(outputPath, duration / 3, poster, posterPath, signal);

    await recordOutputs(ctx, options, state, {
      path: outputPath,
      posterPath,
      posterSize: poster,
      posterAt: duration / 3,
      frameCount: totalFrames,
      duration,
      videoCodec: written.videoCodec,
      target,
      sourceRate: work.sourceRate,
      mux,
      engineDescription,
      sourceRotation: video.rotation,
      reusedSegments,
    });
    ctx.progress({ fraction: 1, stage: 'done' });
    return {
      summary: {
        frames: totalFrames,
        fps: roundFps(rateToNumber(target)),
        mode: ctx.params.mode,
        segments: state.segments.length,
        reusedSegments,
        parallelSegments,
        sceneCuts: state.cuts.length,
      },
    };
  } catch (error) {
    await Promise.all(outputs.map((f) => rm(f, { force: true })));
    await removePartials(segmentDir);
    await checkpoints.settled();
    throw signal.aborted ? cancellationError(signal) : error;
  }
}
