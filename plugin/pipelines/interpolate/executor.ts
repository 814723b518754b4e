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
import { frameRatio, outputFrameBoundary, parseRate, rateToNumber, roundFps } from './rates.js';
import { probeSource, uprightSize } from './analysis/probe-source.js';
import { checkpointJson, readCheckpoint, type InterpolateCheckpoint } from './checkpoint.js';
import { analyzeAndPlan, resolveTarget, workFingerprint } from './work-plan.js';
import { createEngine } from './engines/index.js';
import { removePartials, segmentsDir, stillFinished } from './segment-files.js';
import { renderPendingSegments } from './render-segments.js';
import { FrameProgress } from './progress.js';
import { planMux } from './mux-plan.js';
import { joinSegments } from './join.js';
import { probeWritten } from './output-probe.js';
import { posterSize, writePoster } from './poster.js';
import { recordOutputs } from './record-outputs.js';
import { cancellationError } from './ffmpeg/errors.js';

export function createInterpolateExecutor(options: InterpolateOptions): Executor<InterpolateParams> {
  return { run: (ctx) => interpolate(ctx, options) };
}

async function interpolate(ctx: ExecutorContext<InterpolateParams>, options: InterpolateOptions): Promise<ExecutorResult> {
  const { signal } = ctx;
  const input = ctx.inputs[0];
  if (!input) throw new MediaLabError('INPUT_MISSING', 'The interpolate job has no input video.');
  const inputPath = ctx.inputPath(input);
  const segmentDir = segmentsDir(ctx.workDir);
  const outputs: string[] = [];
  let saving = Promise.resolve();
  const save = (state: InterpolateCheckpoint) => {
    const snapshot = checkpointJson(state);
    saving = saving.then(() => ctx.saveCheckpoint(snapshot));
    return saving;
  };

  try {
    ctx.progress({ fraction: 0, stage: 'probing' });
    const streams = await probeSource(inputPath, signal);
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
    const totalFrames = outputFrameBoundary(state.frameCount, ratio);

    // Resume: keep the segments whose files survived; drop what a dead attempt half-wrote.
    await mkdir(segmentDir, { recursive: true });
    await removePartials(segmentDir);
    const kept = await stillFinished(segmentDir, state.finished);
    const reusedSegments = kept.length;
    if (kept.length !== state.finished.length) {
      state.finished = kept;
      await save(state);
    }
    const progress = new FrameProgress(totalFrames, (fraction) => ctx.progress({ fraction, stage: 'interpolating' }));
    const keptIndexes = new Set(kept.map((f) => f.index));
    progress.addFinished(state.segments.filter((s) => keptIndexes.has(s.index)).reduce((n, s) => n + s.outCount, 0));
    if (reusedSegments) ctx.log('interpolate: resuming', { reusedSegments, of: state.segments.length });

    const video = streams.video;
    const frameSize = uprightSize(video);
    const engine = await createEngine(ctx.params.mode, options, frameSize);
    await ctx.setBackend(`local:${ctx.params.mode}`);
    try {
      await renderPendingSegments({
        engine,
        state,
        segmentDir,
        inputPath,
        source: { streamIndex: video.index, rate: sourceRate, startOffset: video.startOffset, ...frameSize },
        target,
        ratio,
        encoder: options.encoder,
        lanes: ctx.laneConcurrency,
        progress,
        signal,
        save,
      });
    } finally {
      await engine.close();
    }

    ctx.progress({ fraction: progress.fraction(), stage: 'joining' });
    const mux = planMux(streams);
    const outputPath = join(ctx.tempDir, `interpolated.${mux.extension}`);
    const posterPath = join(ctx.tempDir, 'poster.jpg');
    outputs.push(outputPath, posterPath);
    const segments = state.segments;
    await joinSegments({
      segments: state.finished.map((f) => ({ path: join(segmentDir, f.file), frames: segments[f.index].outCount })),
      target,
      videoStartOffset: video.startOffset,
      sourcePath: inputPath,
      mux,
      outputPath,
      scratchDir: ctx.tempDir,
      signal,
    });
    const written = await probeWritten(outputPath, signal);
    if (written.frameCount !== totalFrames) {
      throw new MediaLabError('INTERNAL', `The joined video has ${written.frameCount} frames instead of ${totalFrames}.`);
    }
    const duration = (totalFrames * target.den) / target.num;
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
      sourceRate,
      mux,
      engineDescription: engine.description,
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
        sceneCuts: state.cuts.length,
      },
    };
  } catch (error) {
    await Promise.all(outputs.map((f) => rm(f, { force: true })));
    await removePartials(segmentDir);
    await saving.catch(() => undefined);
    throw signal.aborted ? cancellationError(signal) : error;
  }
}
