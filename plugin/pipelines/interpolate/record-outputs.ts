// Records the finished video and its poster as the job's outputs, with the facts and the
// metadata (rates, frame count, codecs, engine, encoder, source) that make it traceable.
import type { Artifact, ExecutorContext, JsonObject } from '../../core/types.js';
import type { InterpolateOptions } from './options.js';
import type { InterpolateParams } from './params.js';
import { formatRate, rateToNumber, roundFps, type Rational } from './rates.js';
import type { InterpolateCheckpoint } from './checkpoint.js';
import type { MuxPlan } from './mux-plan.js';
import { OUTPUT_PIX_FMT, x264Args } from './engines/encoder.js';
import { outputFacts } from './output-facts.js';
import { modelIdentity } from './model-identity.js';

export interface FinishedVideo {
  path: string;
  posterPath: string;
  posterSize: { width: number; height: number };
  posterAt: number;
  frameCount: number;
  duration: number;
  videoCodec: string;
  target: Rational;
  sourceRate: Rational;
  mux: MuxPlan;
  engineDescription: string;
  sourceRotation: number;
  reusedSegments: number;
}

export async function recordOutputs(
  ctx: ExecutorContext<InterpolateParams>,
  options: InterpolateOptions,
  state: InterpolateCheckpoint,
  video: FinishedVideo,
): Promise<Artifact> {
  const fps = rateToNumber(video.target);
  const metadata: JsonObject = {
    fps: roundFps(fps),
    rateFraction: formatRate(video.target),
    frameCount: video.frameCount,
    duration: video.duration,
    container: video.mux.container,
    videoCodec: video.videoCodec,
    audioCodecs: video.mux.audioCodecs,
    subtitleCodecs: video.mux.subtitleCodecs,
    engine: { mode: ctx.params.mode, description: video.engineDescription },
    ...(ctx.params.mode === 'model' && options.model ? { model: await modelIdentity(options.model) } : {}),
    encoder: { codec: 'libx264', crf: options.encoder.crf, preset: options.encoder.preset, pixFmt: OUTPUT_PIX_FMT, args: x264Args(options.encoder, video.target) },
    source: {
      artifactId: ctx.inputs[0].id,
      fps: roundFps(rateToNumber(video.sourceRate)),
      rateFraction: formatRate(video.sourceRate),
      frameCount: state.frameCount,
    },
    sceneCuts: state.cuts,
    segments: state.segments.length,
    reusedSegments: video.reusedSegments,
    ...(video.sourceRotation ? { sourceRotation: video.sourceRotation, rotatedUpright: true } : {}),
  };
  const facts = await outputFacts(video.path, video.mux.mime, ctx.signal);
  const output = await ctx.addOutput({ path: video.path, role: 'output', facts: { ...facts, fps, duration: video.duration }, metadata });
  await ctx.addOutput({
    path: video.posterPath,
    role: 'preview',
    facts: { kind: 'image', mime: 'image/jpeg', ...video.posterSize, metadata: { posterOf: output.id, at: video.posterAt } },
    parentIds: [output.id],
  });
  return output;
}
