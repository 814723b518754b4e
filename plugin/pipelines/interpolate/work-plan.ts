// First step of a job: decide what exactly will be made (target rate, segments) and what an
// earlier attempt already made. The analysis runs once per job; later attempts reuse it.
import type { ExecutorContext, JsonObject } from '../../core/types.js';
import { MediaLabError } from '../../core/errors.js';
import type { InterpolateOptions } from './options.js';
import type { InterpolateParams } from './params.js';
import { formatRate, frameRatio, rateToNumber, resolveTargetRate, type Rational } from './rates.js';
import { modelModeIssues, targetFpsMessage } from './validate.js';
import type { SourceStreams } from './analysis/probe-source.js';
import { indexFrames } from './analysis/frame-index.js';
import { detectSceneCuts } from './analysis/scene-cuts.js';
import { AnalysisProgress, analysisShare } from './progress.js';
import { planSegments, preferredSegmentFrames } from './segment-plan.js';
import { CHECKPOINT_VERSION, fingerprintOf, newCheckpoint, type InterpolateCheckpoint } from './checkpoint.js';

type Ctx = ExecutorContext<InterpolateParams>;

/** Everything that shapes the output; a checkpoint made under other values is not reused. */
export function workFingerprint(ctx: Ctx, options: InterpolateOptions): string {
  const input = ctx.inputs[0];
  const model = ctx.params.mode === 'model' && options.model ? (JSON.parse(JSON.stringify(options.model)) as JsonObject) : null;
  return fingerprintOf({
    version: CHECKPOINT_VERSION,
    input: input.sha256 || input.id,
    targetFps: ctx.params.targetFps,
    mode: ctx.params.mode,
    encoder: { ...options.encoder },
    sceneCutThreshold: options.sceneCutThreshold,
    segmentSeconds: options.segmentSeconds,
    minSegmentSeconds: options.minSegmentSeconds,
    model,
  });
}

/** The exact target rate, re-checked against the real source rate (submit time saw metadata only). */
export function resolveTarget(rate: Rational, ctx: Ctx, options: InterpolateOptions): Rational {
  const target = resolveTargetRate(rate, ctx.params.targetFps);
  if (!target) throw new MediaLabError('VALIDATION_FAILED', targetFpsMessage(ctx.params.targetFps, rate));
  if (ctx.params.mode === 'model') {
    const [problem] = modelModeIssues(options, rate, target);
    if (problem) throw new MediaLabError('MODEL_UNAVAILABLE', problem);
  }
  return target;
}

/** Indexes frames, finds scene cuts and plans segments: the state a new job starts from. */
export async function analyzeAndPlan(ctx: Ctx, options: InterpolateOptions, inputPath: string, streams: SourceStreams, fingerprint: string): Promise<InterpolateCheckpoint> {
  ctx.progress({ fraction: 0, stage: 'analyzing' });
  // The analysis fills the first part of the bar; interpolating starts where it ends.
  const progress = new AnalysisProgress(analysisShare(ctx.params.mode), (update) => ctx.progress(update));
  const video = streams.video;
  const index = await indexFrames(inputPath, video.index, [video.nominalRate, video.averageRate], ctx.signal, progress.step('frame index'));
  const target = resolveTarget(index.rate, ctx, options);
  const cuts = await detectSceneCuts(inputPath, {
    threshold: options.sceneCutThreshold,
    streamIndex: video.index,
    rate: index.rate,
    frameCount: index.frameCount,
    startOffset: video.startOffset,
    parts: ctx.laneConcurrency,
    signal: ctx.signal,
    onProgress: progress.step('scene cuts'),
  });
  // minterpolate costs about the same per frame everywhere and far more than decoding: four
  // equal pieces per lane keep both lanes busy to the end (keyframe-aligned pieces of 30 to 45
  // frames left one lane idle for the last 10 s of 65). Frame blending is cheap and gains from
  // keyframe seeks, and the model engine pays a start-up per piece: two, near keyframes.
  const quality = ctx.params.mode === 'quality';
  const sizes = preferredSegmentFrames(index.frameCount, rateToNumber(index.rate), ctx.laneConcurrency, options, quality ? 4 : 2);
  const segments = planSegments({
    frameCount: index.frameCount,
    ratio: frameRatio(index.rate, target),
    keyframes: index.keyframes,
    cuts,
    ...sizes,
    keyframeSlack: ctx.params.mode === 'model' ? 0.25 : 0,
  });
  ctx.log('interpolate: planned segments', { frames: index.frameCount, cuts, segments: segments.length });
  return newCheckpoint({ fingerprint, frameCount: index.frameCount, sourceRate: formatRate(index.rate), cuts, segments });
}
