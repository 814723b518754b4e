import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { DATABASES } from '../support/db.js';
import { captureLog } from '../support/lab.js';
import { insertPrompts, promptRow, startQueueHarness, waitForPromptStatus, type QueueHarness } from '../support/prompt-queue-host.js';
import { startFakeComfy, type FakeComfy } from '../fake-comfy/index.js';
import { createPromptQueue } from '../../plugin/prompt-queue/index.js';

interface ArtifactRow {
  id: number;
  prompt_id: number;
  artifact_type: string;
  file_path: string;
  preview_path: string | null;
  metadata: string;
}

async function artifactRows(h: QueueHarness, promptId: number): Promise<ArtifactRow[]> {
  return (await h.knex('prompt_artifacts').where({ prompt_id: promptId }).orderBy('id')) as ArtifactRow[];
}

async function jobsOfPrompt(h: QueueHarness, promptId: number): Promise<number> {
  const row = (await h.knex('media_jobs').where({ source: 'prompt-queue', source_ref: String(promptId) }).count({ n: '*' }).first()) as { n: number | string };
  return Number(row.n);
}

for (const target of DATABASES) {
  target.describe(`prompt-queue poller on ${target.name}`, function () {
    let comfy: FakeComfy;
    let h: QueueHarness;

    before(async () => {
      comfy = await startFakeComfy();
    });
    after(async () => comfy.close());
    beforeEach(async () => {
      h = await startQueueHarness({ db: await target.create(), comfyUrl: comfy.url, startPolling: true });
    });
    afterEach(async () => h.close());

    it('turns image and music prompts into completed prompts with artifact rows and files, and leaves text prompts alone', async () => {
      const [image, music, text] = await insertPrompts(h.knex, [
        { prompt_type: 'image', prompt_text: 'a lighthouse at dusk', metadata: JSON.stringify({ source: 'web' }) },
        { prompt_type: 'music', prompt_text: 'a calm piano loop' },
        { prompt_type: 'text', prompt_text: 'write a haiku' },
      ]);
      const imageRow = await waitForPromptStatus(h.knex, image, ['completed', 'failed']);
      const musicRow = await waitForPromptStatus(h.knex, music, ['completed', 'failed']);
      assert.equal(imageRow.status, 'completed', String(imageRow.error_message));
      assert.equal(musicRow.status, 'completed', String(musicRow.error_message));
      for (const row of [imageRow, musicRow]) {
        assert.equal(row.artifact_status, 'ready');
        assert.equal(row.error_message, null);
        assert.ok(row.completed_at, 'completed_at set');
        assert.ok(Number(row.processing_duration) >= 0, 'processing_duration set');
        const summary = JSON.parse(String(row.artifact_metadata)) as { count: number; primary: string; jobId: string; workflow: string };
        assert.equal(summary.count, 1);
        assert.ok(existsSync(join(h.queue.media.root, summary.primary)), 'primary file exists');
      }

      const imageArtifacts = await artifactRows(h, image);
      assert.deepEqual(imageArtifacts.map((a) => a.artifact_type), ['image', 'thumbnail']);
      const [png, thumb] = imageArtifacts;
      assert.equal(png.preview_path, thumb.file_path);
      assert.equal((await sharp(join(h.queue.media.root, png.file_path)).metadata()).format, 'png');
      assert.equal((await sharp(join(h.queue.media.root, thumb.file_path)).metadata()).format, 'webp');
      const imageMeta = JSON.parse(png.metadata) as Record<string, unknown>;
      assert.equal(imageMeta.workflow, 'generate');
      assert.deepEqual(imageMeta.preset, { name: 'txt2img' });
      assert.equal(imageMeta.seed, 42);
      assert.equal(imageMeta.backend, 'fake-comfy');

      const musicArtifacts = await artifactRows(h, music);
      assert.deepEqual(musicArtifacts.map((a) => a.artifact_type), ['audio', 'waveform']);
      const [wav, waveform] = musicArtifacts;
      assert.equal(readFileSync(join(h.queue.media.root, wav.file_path)).subarray(0, 4).toString(), 'RIFF');
      const waveMeta = await sharp(join(h.queue.media.root, waveform.file_path)).metadata();
      assert.deepEqual([waveMeta.format, waveMeta.width, waveMeta.height], ['png', 640, 120]);
      const musicMeta = JSON.parse(wav.metadata) as Record<string, unknown>;
      assert.equal(musicMeta.duration, 0.4);
      assert.equal(musicMeta.sampleRate, 8000);

      const job = await h.lab.jobs.get((JSON.parse(String(imageRow.artifact_metadata)) as { jobId: string }).jobId);
      assert.equal(job?.source, 'prompt-queue');
      assert.equal(job?.sourceRef, String(image));
      assert.equal(job?.params.prompt, 'a lighthouse at dusk');

      const textRow = await promptRow(h.knex, text);
      assert.equal(textRow.status, 'pending');
      assert.equal(textRow.artifact_status, 'pending', 'the column default, never touched');
      assert.equal(textRow.artifact_metadata, null);
      assert.equal(await jobsOfPrompt(h, text), 0);
      assert.ok(h.log.info.some((line) => line.includes(`prompt ${image} (image) submitted as job`)), 'submission logged');
      assert.ok(h.log.info.some((line) => line.includes(`prompt ${music} completed in`) && line.includes(h.queue.media.root)), 'output paths and duration logged');
    });

    it('a failing workflow fails its prompt with the cause, and the rest of the queue still completes', async () => {
      const [bad, good] = await insertPrompts(h.knex, [
        { prompt_type: 'image', prompt_text: 'breaks', metadata: JSON.stringify({ params: { fail: true } }) },
        { prompt_type: 'voice', prompt_text: 'hello there' },
      ]);
      const badRow = await waitForPromptStatus(h.knex, bad, ['completed', 'failed']);
      assert.equal(badRow.status, 'failed');
      assert.equal(badRow.artifact_status, 'error');
      assert.match(String(badRow.error_message), /CUDA out of memory/);
      assert.match(String(badRow.error_message), /COMFY_EXECUTION/);
      assert.equal(badRow.completed_at, null);
      assert.deepEqual(await artifactRows(h, bad), []);
      const goodRow = await waitForPromptStatus(h.knex, good, ['completed', 'failed']);
      assert.equal(goodRow.status, 'completed', String(goodRow.error_message));
      const voiceJob = await h.lab.jobs.get((JSON.parse(String(goodRow.artifact_metadata)) as { jobId: string }).jobId);
      assert.equal(voiceJob?.params.text, 'hello there', 'voice prompts fill the text parameter');
    });

    it('invalid prompt metadata fails that prompt only, with an error message that names the problem', async () => {
      const [notJson, wrongType, badParam, emptyText, fine] = await insertPrompts(h.knex, [
        { prompt_type: 'image', metadata: '{not json' },
        { prompt_type: 'image', metadata: JSON.stringify({ preset: 42 }) },
        { prompt_type: 'music', metadata: JSON.stringify({ params: { steps: 'many' } }) },
        { prompt_type: 'voice', prompt_text: '   ' },
        { prompt_type: 'image', prompt_text: 'a red fox', metadata: JSON.stringify({ preset: { name: 'portrait', version: 2 }, params: { seed: 5 } }) },
      ]);
      const expectations: Array<[number, RegExp]> = [
        [notJson, /Invalid prompt metadata: it is not valid JSON/],
        [wrongType, /Invalid prompt metadata: metadata\.preset/],
        [badParam, /params\.steps/],
        [emptyText, /prompt text is empty/],
      ];
      for (const [id, message] of expectations) {
        const row = await waitForPromptStatus(h.knex, id, ['completed', 'failed']);
        assert.equal(row.status, 'failed', `prompt ${id}`);
        assert.equal(row.artifact_status, 'error');
        assert.match(String(row.error_message), message);
      }
      const fineRow = await waitForPromptStatus(h.knex, fine, ['completed', 'failed']);
      assert.equal(fineRow.status, 'completed', String(fineRow.error_message));
      const job = await h.lab.jobs.get((JSON.parse(String(fineRow.artifact_metadata)) as { jobId: string }).jobId);
      assert.deepEqual(job?.preset, { name: 'portrait', version: 2, hash: null });
      assert.equal(job?.params.seed, 5);
    });

    it('pauses with a warning while no ComfyUI backend answers, leaving prompts untouched, and resumes when one does', async () => {
      await h.queue.stop();
      const log = captureLog();
      const queue = createPromptQueue(h.lab, { pollIntervalMs: 50, mediaRoot: h.queue.media.root, logger: log.logger });
      await comfy.stop();
      try {
        const [id] = await insertPrompts(h.knex, [{ prompt_type: 'image', prompt_text: 'waits for comfy' }]);
        const report = await queue.pass();
        assert.equal(report.paused, true);
        assert.equal(report.claimed, 0);
        assert.equal(queue.paused, true);
        assert.ok(log.warn.some((w) => /paused: no ComfyUI backend is reachable \(fake-comfy/.test(w)), log.warn.join('\n'));
        const row = await promptRow(h.knex, id);
        assert.deepEqual([row.status, row.artifact_status, row.artifact_metadata, row.error_message], ['pending', 'pending', null, null]);
        assert.equal(await jobsOfPrompt(h, id), 0);
        await queue.pass();
        assert.equal(log.warn.filter((w) => w.includes('paused')).length, 1, 'warned once per pause');

        await comfy.start();
        const drained = await queue.drain();
        assert.equal(drained.completed, 1);
        assert.equal(queue.paused, false);
        assert.ok(log.info.some((line) => line.includes('resumed')));
        assert.equal((await promptRow(h.knex, id)).status, 'completed');
      } finally {
        await comfy.start();
      }
    });

    it('--media-only writes only the artifact columns and leaves the host its status, error and dates', async () => {
      await h.queue.stop();
      const mediaOnly = createPromptQueue(h.lab, { mediaOnly: true, pollIntervalMs: 50, mediaRoot: h.queue.media.root, logger: h.log.logger });
      const [done, broken, hostPending] = await insertPrompts(h.knex, [
        { prompt_type: 'image', prompt_text: 'the host answered this one already', status: 'completed' },
        { prompt_type: 'music', prompt_text: 'x', status: 'failed', metadata: 'not json' },
        { prompt_type: 'voice', prompt_text: 'still queued at the host', status: 'pending' },
      ]);
      await h.knex('prompts').where({ id: broken }).update({ error_message: 'the host says: rate limited' });
      const report = await mediaOnly.drain();
      assert.deepEqual([report.completed, report.failed], [2, 1]);
      const doneRow = await promptRow(h.knex, done);
      assert.deepEqual([doneRow.status, doneRow.artifact_status, doneRow.completed_at, doneRow.processing_duration], ['completed', 'ready', null, null]);
      assert.equal((await artifactRows(h, done)).length, 2);
      const brokenRow = await promptRow(h.knex, broken);
      assert.deepEqual([brokenRow.status, brokenRow.artifact_status, brokenRow.error_message], ['failed', 'error', 'the host says: rate limited']);
      assert.match(String((JSON.parse(String(brokenRow.artifact_metadata)) as { error: string }).error), /not valid JSON/, 'the cause goes to artifact_metadata');
      const pendingRow = await promptRow(h.knex, hostPending);
      assert.deepEqual([pendingRow.status, pendingRow.artifact_status], ['pending', 'ready'], 'the host status is the host\'s');
    });

    it('a prompt whose media cannot be stored fails after a few tries instead of blocking the run', async () => {
      await h.queue.stop();
      const notADirectory = join(h.dataDir, 'a-file');
      writeFileSync(notADirectory, 'a file where the media root should be');
      const log = captureLog();
      const broken = createPromptQueue(h.lab, { pollIntervalMs: 50, mediaRoot: notADirectory, logger: log.logger });
      const [id] = await insertPrompts(h.knex, [{ prompt_type: 'image', prompt_text: 'nowhere to go' }]);
      const report = await broken.drain();
      assert.equal(report.failed, 1);
      const row = await promptRow(h.knex, id);
      assert.deepEqual([row.status, row.artifact_status], ['failed', 'error']);
      assert.match(String(row.error_message), /could not store this prompt's media/);
      assert.equal(log.error.filter((e) => e.includes(`prompt ${id}`)).length, 3, log.error.join('\n'));
    });

    it('two pollers never take the same prompt', async () => {
      await h.queue.stop();
      const ids = await insertPrompts(
        h.knex,
        Array.from({ length: 10 }, (_, i) => ({ prompt_type: i % 2 ? ('music' as const) : ('image' as const), prompt_text: `race ${i}` })),
      );
      const second = createPromptQueue(h.lab, { pollIntervalMs: 50, maxInFlight: 10, mediaRoot: h.queue.media.root, logger: { info: () => undefined, warn: () => undefined, error: () => undefined } });
      const first = createPromptQueue(h.lab, { pollIntervalMs: 50, maxInFlight: 10, mediaRoot: h.queue.media.root, logger: { info: () => undefined, warn: () => undefined, error: () => undefined } });
      const [a, b] = await Promise.all([first.pass(), second.pass()]);
      assert.equal(a.claimed + b.claimed, 10, `claimed ${a.claimed} + ${b.claimed}`);
      await Promise.all([first.drain(), second.drain()]);
      for (const id of ids) {
        const row = await promptRow(h.knex, id);
        assert.equal(row.status, 'completed', `prompt ${id}: ${String(row.error_message)}`);
        assert.equal(await jobsOfPrompt(h, id), 1, `prompt ${id} has exactly one job`);
        assert.equal((await artifactRows(h, id)).length, 2, `prompt ${id} has one output and its preview`);
      }
    });
  });
}
