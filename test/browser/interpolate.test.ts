// Interpolate through the workspace, with real ffmpeg on a small generated clip: once the video is
// chosen, the target frame rate is a select of what that video allows (2x preselected), `model`
// is offered only when a model is configured, and after a field error the form submits again
// without uploading the same file a second time.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ffmpegPath } from '../../plugin/media/binaries.js';
import { createInterpolateKind } from '../../plugin/pipelines/interpolate/index.js';
import { startHarness, waitForJobStatus, waitForText, type Harness } from '../support/browser.js';
import { writeBlendModel } from '../support/onnx-models.js';
import { waitFor } from '../support/wait.js';

function clip(fps: number, seconds: number): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'media-lab-clip-'));
  const path = join(dir, `clip-${fps}fps.mp4`);
  execFileSync(ffmpegPath, ['-v', 'error', '-f', 'lavfi', '-i', `testsrc=size=64x48:rate=${fps}`, '-t', String(seconds), '-pix_fmt', 'yuv420p', '-c:v', 'libx264', path]);
  const bytes = readFileSync(path);
  rmSync(dir, { recursive: true, force: true });
  return bytes;
}

/** Counts the page's POST /uploads requests. */
function countUploads(page: Page): { count: () => number } {
  let count = 0;
  page.on('request', (request) => {
    if (request.method() === 'POST' && new URL(request.url()).pathname.endsWith('/uploads')) count++;
  });
  return { count: () => count };
}

async function openInterpolate(h: Harness): Promise<Page> {
  const page = await h.newPage();
  await page.goto(`${h.url}/media-lab`);
  await page.locator('button[data-tab="interpolate"]').click();
  await page.locator('form[data-workflow="interpolate"]').waitFor();
  return page;
}

const optionValues = (page: Page, name: string) => page.locator(`form[data-workflow="interpolate"] select[name="${name}"] option`).evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));

describe('browser: interpolate', function () {
  this.timeout(120_000);

  describe('without a model configured', () => {
    let h: Harness;
    before(async () => {
      h = await startHarness();
    });
    after(async () => h?.close());
    afterEach(() => assert.deepEqual(h.pageErrors.splice(0), []));

    it('offers the rates the chosen 30 fps video allows (60 preselected), no model mode, and interpolates it', async () => {
      const page = await openInterpolate(h);
      const uploads = countUploads(page);
      const target = page.locator('select[name="targetFps"]');
      assert.deepEqual(await optionValues(page, 'targetFps'), [''], 'before a video: nothing to pick');
      assert.deepEqual(await optionValues(page, 'mode'), ['fast', 'quality'], 'model is hidden: no model is configured');

      await page.locator('input[name="sourceVideo"]').setInputFiles({ name: 'clip-30fps.mp4', mimeType: 'video/mp4', buffer: clip(30, 1) });
      await waitFor(async () => (await optionValues(page, 'targetFps')).length > 1 || null, 'the allowed rates');
      const values = await optionValues(page, 'targetFps');
      // The server's list for this video, the same the endpoint answers.
      const id = await waitFor(async () => {
        const { body } = await h.apiJson<{ items: Array<{ id: string; kind: string }> }>('/artifacts?kind=video');
        return body.items[0]?.id ?? null;
      }, 'the uploaded video');
      const { body: choices } = await h.apiJson<{ targetFps: number[] }>(`/artifacts/${id}/interpolate-options`);
      assert.deepEqual(values, choices.targetFps.map(String));
      assert.equal(await target.inputValue(), '60', '2x is preselected');
      assert.match(await target.locator('option:checked').innerText(), /60 fps \(2x\)/);
      assert.equal(uploads.count(), 1, 'the video was uploaded when it was chosen');
      await page.locator('select[name="mode"]').selectOption('fast');
      await h.screenshot(page, 'interpolate-form-30fps');

      await page.locator('button[data-action="submit-job"]').click();
      await waitForText(page.locator('media-lab-toasts [data-role="toast"]'), /Job queued: interpolate/);
      assert.equal(uploads.count(), 1, 'submitting did not upload the video again');
      const latest = page.locator('media-lab-app [part="latest"] media-lab-job');
      const jobId = await waitFor(() => latest.getAttribute('job-id'), 'the latest job panel');
      const job = await waitForJobStatus(h, jobId, ['SUCCEEDED', 'FAILED'], 90_000);
      assert.equal(job.status, 'SUCCEEDED', `the job failed: ${String(job.errorCode)} ${String(job.errorMessage)}`);
      assert.deepEqual(job.params, { targetFps: 60, mode: 'fast' });
      assert.deepEqual(job.inputIds, [id]);
      const output = (job.outputs as Array<{ role: string; kind: string; fps: number }>).find((a) => a.role === 'output' && a.kind === 'video');
      assert.equal(output?.fps, 60);
      const video = latest.locator('video[data-role="output-video"]');
      await video.waitFor({ state: 'visible' });
      await waitFor(() => video.evaluate((v) => (v as HTMLVideoElement).readyState >= 2 || null), 'the first frame of the output video');
      await h.screenshot(page, 'interpolate-succeeded');
    });
  });

  describe('with a model that can only double the rate', () => {
    let h: Harness;
    let modelDir: string;
    before(async () => {
      modelDir = mkdtempSync(join(tmpdir(), 'media-lab-browser-model-'));
      const file = join(modelDir, 'midpoint.onnx');
      await writeBlendModel(file, { timestep: null });
      h = await startHarness({ kinds: [createInterpolateKind({ model: { file, inputNames: { timestep: null } } })] });
    });
    after(async () => {
      await h?.close();
      rmSync(modelDir, { recursive: true, force: true });
    });
    afterEach(() => assert.deepEqual(h.pageErrors.splice(0), []));

    it('offers model; a refused combination shows the server message, and the resubmit keeps the uploaded video', async () => {
      const page = await openInterpolate(h);
      const uploads = countUploads(page);
      assert.deepEqual(await optionValues(page, 'mode'), ['fast', 'quality', 'model']);
      await page.locator('input[name="sourceVideo"]').setInputFiles({ name: 'clip-24fps.mp4', mimeType: 'video/mp4', buffer: clip(24, 0.5) });
      await waitFor(async () => (await optionValues(page, 'targetFps')).includes('72') || null, 'the allowed rates');
      assert.equal(await page.locator('select[name="targetFps"]').inputValue(), '48');
      await page.locator('select[name="targetFps"]').selectOption('72');
      await page.locator('select[name="mode"]').selectOption('model');
      await page.locator('button[data-action="submit-job"]').click();
      const shown = await waitForText(page.locator('[data-error-for="mode"]'), /can only double/);
      assert.match(shown, /exactly 2x/);
      assert.equal(await page.locator('select[name="mode"]').getAttribute('aria-invalid'), 'true');
      assert.equal(await page.locator('media-lab-toasts [data-role="toast"]').count(), 0, 'no "Job queued"');
      await h.screenshot(page, 'interpolate-model-422');

      await page.locator('select[name="targetFps"]').selectOption('48');
      await page.locator('button[data-action="submit-job"]').click();
      await waitForText(page.locator('media-lab-toasts [data-role="toast"]'), /Job queued: interpolate/);
      assert.equal(uploads.count(), 1, 'the video was uploaded once, not again after the error');
      const latest = page.locator('media-lab-app [part="latest"] media-lab-job');
      const jobId = await waitFor(() => latest.getAttribute('job-id'), 'the latest job panel');
      const job = await waitForJobStatus(h, jobId, ['SUCCEEDED', 'FAILED'], 90_000);
      assert.equal(job.status, 'SUCCEEDED', `the job failed: ${String(job.errorCode)} ${String(job.errorMessage)}`);
      assert.deepEqual(job.params, { targetFps: 48, mode: 'model' });
    });
  });
});
