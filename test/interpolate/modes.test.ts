import { strict as assert } from 'node:assert';
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { interpolateOptionsSchema, interpolationFilter, type InterpolateMode } from '../../plugin/pipelines/interpolate/index.js';
import { x264Args } from '../../plugin/pipelines/interpolate/engines/encoder.js';
import { testClips, type Clips } from '../support/clips.js';
import { decodedFrameCount, ffmpeg, ffprobeJson, grayFrames, meanAbsDiff, streamsOf, type StreamInfo } from '../support/ffmpeg.js';
import { sha256File } from '../support/files.js';
import { writeBlendModel } from '../support/onnx-models.js';
import { metadataOf, outputOf, removeJob, runToSuccess, type JobRun } from './run-job.js';

function endOf(stream: StreamInfo): number {
  return Number(stream.start_time ?? 0) + Number(stream.duration);
}

describe('interpolate: engines end to end', function () {
  this.timeout(120_000);
  let clips: Clips;
  let modelDir: string;
  const options = () => ({ model: { file: join(modelDir, 'blend.onnx') } });

  before(async () => {
    clips = await testClips();
    modelDir = await mkdtemp(join(tmpdir(), 'media-lab-interp-model-'));
    await writeBlendModel(join(modelDir, 'blend.onnx'));
  });
  after(() => rm(modelDir, { recursive: true, force: true }));

  for (const mode of ['fast', 'quality', 'model'] as InterpolateMode[]) {
    describe(`mode ${mode}: 60 -> 120 fps`, () => {
      let job: JobRun;
      let sourceHash: string;
      let modelHash: string;
      before(async () => {
        sourceHash = await sha256File(clips.motion);
        modelHash = await sha256File(join(modelDir, 'blend.onnx'));
        job = await runToSuccess(clips.motion, { targetFps: 120, mode }, options());
      });
      after(() => removeJob(job));

      it('writes exactly round(120 x 120 / 60) = 240 frames, tail included', async () => {
        assert.equal(await decodedFrameCount(outputOf(job).path), 240);
        assert.equal(metadataOf(job).frameCount, 240);
      });

      it('keeps audio and subtitles, in sync within one frame', async () => {
        const streams = (await streamsOf(outputOf(job).path));
        const video = streams.find((s) => s.codec_type === 'video')!;
        const audio = streams.find((s) => s.codec_type === 'audio')!;
        assert.equal(video.r_frame_rate, '120/1');
        assert.ok(audio, 'audio stream kept');
        assert.ok(streams.some((s) => s.codec_type === 'subtitle'), 'subtitle stream kept');
        assert.ok(Math.abs(endOf(video) - endOf(audio)) <= 1 / 120, `video ends ${endOf(video)}, audio ${endOf(audio)}`);
      });

      it('never modifies the source', async () => {
        assert.equal(await sha256File(clips.motion), sourceHash);
      });

      it('records facts, engine and encoder metadata, lineage and a poster', () => {
        const output = outputOf(job).artifact;
        assert.equal(output.kind, 'video');
        assert.equal(output.mime, 'video/mp4');
        assert.equal(output.fps, 120);
        assert.equal(output.width, 160);
        assert.equal(output.height, 90);
        assert.ok(Math.abs((output.duration ?? 0) - 2) < 1e-9);
        assert.deepEqual(output.parentIds, job.run.ctx.job.inputIds);
        const meta = metadataOf(job);
        assert.equal((meta.engine as { mode: string }).mode, mode);
        assert.equal((meta.encoder as { codec: string }).codec, 'libx264');
        assert.deepEqual(meta.audioCodecs, ['aac']);
        assert.deepEqual(meta.subtitleCodecs, ['mov_text']);
        assert.equal((meta.source as { frameCount: number }).frameCount, 120);
        // The model mode records which model made it (provenance shows it, staleness compares it).
        if (mode === 'model') {
          const file = join(modelDir, 'blend.onnx');
          assert.deepEqual(meta.model, { role: 'interpolator', name: 'blend.onnx', source: `file:${file}`, sha256: modelHash, bytes: statSync(file).size });
        } else assert.equal(meta.model, undefined);
        const poster = outputOf(job, 'preview').artifact;
        assert.equal(poster.mime, 'image/jpeg');
        assert.deepEqual(poster.parentIds, [output.id]);
      });

      it('reports progress as output frames done, rising to 1', () => {
        const fractions = job.run.progress.map((p) => p.fraction);
        for (let i = 1; i < fractions.length; i++) assert.ok(fractions[i] >= fractions[i - 1], 'progress went backwards');
        assert.equal(fractions[fractions.length - 1], 1);
        assert.ok(job.run.progress.some((p) => p.stage === 'interpolating' && p.fraction > 0 && p.fraction < 1));
      });
    });
  }

  for (const mode of ['fast', 'quality'] as const) {
    it(`mode ${mode}: segments join into what one uninterrupted ffmpeg run makes (lossless encodes compared)`, async () => {
      const encoder = { crf: 0, preset: 'ultrafast' as const };
      const job = await runToSuccess(clips.motion, { targetFps: 120, mode }, { encoder });
      try {
        assert.ok(Number(job.result?.summary?.segments) > 1, 'the clip was split into segments');
        const single = join(modelDir, `single-${mode}.mp4`);
        const target = { num: 120, den: 1 };
        await ffmpeg(['-i', clips.motion, '-map', '0:v', '-vf', interpolationFilter(mode, target), ...x264Args(interpolateOptionsSchema.parse({ encoder }).encoder, target), single]);
        const ours = await grayFrames(outputOf(job).path, 160, 90);
        const theirs = await grayFrames(single, 160, 90);
        // The single run drops the last in-between frames; compare the frames both have.
        const differences = theirs.map((frame, index) => meanAbsDiff(ours[index]!, frame));
        const worst = Math.max(...differences);
        // framerate is bit-identical; minterpolate differs only in each segment's first
        // in-between frame (its motion search starts cold), far below one grey level.
        assert.ok(mode === 'fast' ? worst === 0 : worst < 0.5, `worst frame differs by ${worst.toFixed(3)} grey levels on average`);
      } finally {
        await removeJob(job);
      }
    });
  }

  it('model mode: in-between frames are the model output at t = 0.5 (the average of the neighbours)', async () => {
    const job = await runToSuccess(clips.motion, { targetFps: 120, mode: 'model' }, options());
    try {
      const frames = await grayFrames(outputOf(job).path, 160, 90);
      let worstMidpoint = 0;
      for (let k = 1; k + 1 < frames.length - 2; k += 2) {
        const average = frames[k - 1].map((v, i) => (v + frames[k + 1][i] + 1) >> 1);
        worstMidpoint = Math.max(worstMidpoint, meanAbsDiff(frames[k], average));
      }
      assert.ok(worstMidpoint < 2.5, `in-between frames differ from the neighbour average by ${worstMidpoint}`);
    } finally {
      await removeJob(job);
    }
  });

  for (const mode of ['quality', 'model'] as InterpolateMode[]) {
    it(`mode ${mode}: 23.976 -> 59.94 fps from Matroska with SRT, exact count and sync`, async () => {
      const job = await runToSuccess(clips.ntsc, { targetFps: 59.94, mode }, options());
      try {
        const path = outputOf(job).path;
        assert.equal(await decodedFrameCount(path), 120); // 48 x 2.5
        const streams = (await streamsOf(path));
        const video = streams.find((s) => s.codec_type === 'video')!;
        assert.equal(video.r_frame_rate, '60000/1001');
        assert.ok(streams.some((s) => s.codec_type === 'subtitle' && s.codec_name === 'mov_text'), 'SRT became mov_text');
        const audio = streams.find((s) => s.codec_type === 'audio')!;
        const sourceVideo = (await streamsOf(clips.ntsc)).find((s) => s.codec_type === 'video')!;
        // The source's video starts after its audio; the output keeps that offset.
        assert.equal(video.start_time, sourceVideo.start_time);
        assert.ok(Math.abs(endOf(video) - endOf(audio)) <= 1 / 59.94, `video ends ${endOf(video)}, audio ${endOf(audio)}`);
        assert.equal(metadataOf(job).rateFraction, '60000/1001');
      } finally {
        await removeJob(job);
      }
    });
  }

  for (const mode of ['fast', 'model'] as InterpolateMode[]) {
    it(`mode ${mode}: a phone video tagged as rotated comes out upright, without the tag`, async () => {
      const rotated = join(modelDir, `rotated-${mode}.mp4`);
      await ffmpeg(['-i', clips.motion, '-map', '0', '-c', 'copy', '-metadata:s:v:0', 'rotate=90', rotated]);
      const job = await runToSuccess(rotated, { targetFps: 120, mode }, options());
      try {
        const output = outputOf(job);
        assert.equal(await decodedFrameCount(output.path), 240);
        assert.deepEqual([output.artifact.width, output.artifact.height], [90, 160]);
        const { streams } = await ffprobeJson<{ streams: { side_data_list?: unknown[] }[] }>(['-select_streams', 'v', '-show_entries', 'stream_side_data', output.path]);
        assert.equal(streams[0].side_data_list, undefined);
        assert.equal(metadataOf(job).sourceRotation, 90);
        assert.deepEqual([outputOf(job, 'preview').artifact.width, outputOf(job, 'preview').artifact.height], [90, 160]);
      } finally {
        await removeJob(job);
      }
    });
  }

  for (const mode of ['fast', 'model'] as InterpolateMode[]) {
    it(`mode ${mode}: an odd-sized source is padded to even dimensions for H.264`, async () => {
      const odd = join(modelDir, `odd-${mode}.mkv`);
      await ffmpeg(['-f', 'lavfi', '-i', 'testsrc=s=161x91:r=30:d=1', '-c:v', 'ffv1', '-pix_fmt', 'yuv444p', odd]);
      const job = await runToSuccess(odd, { targetFps: 60, mode }, options());
      try {
        assert.equal(await decodedFrameCount(outputOf(job).path), 60);
        assert.deepEqual([outputOf(job).artifact.width, outputOf(job).artifact.height], [162, 92]);
      } finally {
        await removeJob(job);
      }
    });
  }
});
