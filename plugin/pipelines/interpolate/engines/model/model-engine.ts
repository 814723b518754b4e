// The model engine: ffmpeg decodes the segment to raw RGB, Node asks the ONNX model for each
// in-between frame at its exact time step, and a second ffmpeg encodes the result.
import { MediaLabError } from '../../../../core/errors.js';
import { startProcess, type RunningProcess } from '../../ffmpeg/process.js';
import { cancellationError } from '../../ffmpeg/errors.js';
import { formatRate } from '../../rates.js';
import { evenSizeFilter, x264Args } from '../encoder.js';
import type { InterpolationEngine, SegmentRenderJob } from '../types.js';
import { decodeWindow, seekInputArgs, windowFilters } from '../window.js';
import type { FramePairInterpolator } from './onnx-interpolator.js';
import { readRawFrames, writeFrame } from './raw-frames.js';
import { framePosition } from './timing.js';

export function modelEngine(interpolator: FramePairInterpolator): InterpolationEngine {
  return {
    mode: 'model',
    description: `onnx model ${interpolator.name}`,
    render: (job) => renderWithModel(job, interpolator),
    close: () => interpolator.release(),
  };
}

async function renderWithModel(job: SegmentRenderJob, interpolator: FramePairInterpolator): Promise<void> {
  const { width, height } = job.source;
  const window = decodeWindow(job.segment, { before: 0, after: 1 }, job.ratio);
  const segmentFrames = job.segment.end - job.segment.start;
  const even = evenSizeFilter(job.source);
  // One controller for both children: a failure on either side (or in the model) stops both.
  const local = new AbortController();
  const signal = AbortSignal.any([job.signal, local.signal]);
  const processes: RunningProcess[] = [];
  try {
    const decoder = startProcess(
      [
        '-hide_banner', '-nostdin', '-v', 'error',
        ...seekInputArgs(job.inputPath, job.source, window.firstFrame),
        '-vf', windowFilters(window, job.source.rate, false).join(','),
        '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1',
      ],
      { label: `decoding segment ${job.segment.index + 1}`, signal, stdout: true },
    );
    processes.push(decoder);
    const encoder = startProcess(
      [
        '-hide_banner', '-nostdin', '-v', 'error',
        '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-video_size', `${width}x${height}`, '-framerate', formatRate(job.target), '-i', 'pipe:0',
        '-frames:v', String(job.segment.outCount),
        ...(even ? ['-vf', even] : []),
        ...x264Args(job.encoder, job.target),
        '-y', job.outputPath,
      ],
      { label: `encoding segment ${job.segment.index + 1}`, signal, stdin: true },
    );
    processes.push(encoder);
    const stdin = encoder.stdin;
    const stdout = decoder.stdout;
    if (!stdin || !stdout) throw new MediaLabError('INTERNAL', 'ffmpeg pipes were not opened.');

    const frames = readRawFrames(stdout, width * height * 3);
    const held: Buffer[] = [];
    let firstHeld = 0;
    // Makes source frame `index` (from the segment start) available; false past the decoded end.
    async function have(index: number): Promise<boolean> {
      while (firstHeld + held.length <= index) {
        const next = await frames.next();
        if (next.done) return false;
        held.push(next.value);
      }
      // Only the pair around the current instant is ever needed again.
      while (index - firstHeld > 1) {
        held.shift();
        firstHeld++;
      }
      return true;
    }
    const frameAt = (index: number) => held[index - firstHeld];

    for (let k = 0; k < job.segment.outCount; k++) {
      const { frame, t } = framePosition(job.segment, job.ratio, k);
      const base = Math.min(frame, segmentFrames - 1);
      if (!(await have(base))) {
        await decoder.done; // a decoder failure explains the missing frames best
        throw new MediaLabError('CORRUPT_INPUT', `Segment ${job.segment.index + 1} decoded fewer frames than the file lists; the input may be damaged.`);
      }
      // The next frame is real only inside the shot: at a cut or the file end the frame repeats.
      const nextIsReal = base + 1 < segmentFrames || (base + 1 === segmentFrames && window.realAfter > 0);
      let output: Uint8Array = frameAt(base);
      if (t > 0 && base === frame && nextIsReal && (await have(base + 1))) {
        output = await interpolator.interpolate(frameAt(base), frameAt(base + 1), t);
      }
      await writeFrame(stdin, output);
      job.onFrames(k + 1);
    }
    stdin.end();
    // The decoder may still hold the look-ahead frame: read to the end so it exits cleanly.
    while (!(await frames.next()).done);
    await Promise.all(processes.map((p) => p.done));
  } catch (error) {
    local.abort(error);
    await Promise.allSettled(processes.map((p) => p.done));
    throw job.signal.aborted ? cancellationError(job.signal) : error;
  }
}
