// Scenario 1: enhance an uploaded image with the "balanced" preset from the workspace; the toast
// says "Job queued", the job succeeds, the output preview shows and the compare slider works.
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { startHarness, waitForJobStatus, waitForText, type Harness } from '../support/browser.js';
import { waitFor } from '../support/wait.js';

describe('browser: enhance (scenario 1)', function () {
  this.timeout(180_000);
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => h?.close());
  afterEach(() => assert.deepEqual(h.pageErrors.splice(0), []));

  it('uploads, submits "balanced", reaches SUCCEEDED, previews the output and compares before/after', async () => {
    const kinds = await h.apiJson<{ items: Array<{ kind: string; available: boolean }> }>('/kinds');
    assert.ok(kinds.body.items.find((k) => k.kind === 'enhance')?.available, 'the enhance pipeline is installed');
    const source = await sharp({
      create: { width: 48, height: 32, channels: 3, background: '#2d6cdf' },
    })
      .composite([{ input: await sharp({ create: { width: 16, height: 16, channels: 3, background: '#f5c542' } }).png().toBuffer(), left: 8, top: 8 }])
      .png()
      .toBuffer();

    const page = await h.newPage();
    await page.goto(`${h.url}/media-lab`);
    await page.locator('button[data-tab="enhance"]').click();
    await page.locator('input[name="sourceImage"]').setInputFiles({ name: 'source.png', mimeType: 'image/png', buffer: source });
    await page.locator('select[name="qualityPreset"]').selectOption('balanced');
    await page.locator('button[data-action="submit-job"]').click();
    await waitForText(page.locator('media-lab-toasts [data-role="toast"]'), /Job queued/);

    const latest = page.locator('media-lab-app [part="latest"] media-lab-job');
    const id = await waitFor(() => latest.getAttribute('job-id'), 'the latest job panel');
    const job = await waitForJobStatus(h, id, ['SUCCEEDED', 'FAILED'], 150_000);
    assert.equal(job.status, 'SUCCEEDED', `the job failed: ${String(job.errorCode)} ${String(job.errorMessage)}`);
    assert.equal((job.params as { qualityPreset: string }).qualityPreset, 'balanced');

    const output = (job.outputs as Array<{ role: string; width: number; height: number }>).find((a) => a.role === 'output');
    assert.deepEqual([output?.width, output?.height], [96, 64], 'scale 2 by default');
    const preview = latest.locator('img[data-role="output-preview"]');
    await preview.waitFor({ state: 'visible' });
    await waitFor(() => preview.evaluate((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0), 'the output preview to load');

    const handle = latest.locator('media-lab-compare [part="handle"]');
    await handle.waitFor();
    await handle.focus();
    await page.keyboard.press('Home');
    assert.equal(await handle.getAttribute('aria-valuenow'), '0');
    const frame = await latest.locator('media-lab-compare [part="frame"]').boundingBox();
    assert.ok(frame);
    await page.mouse.click(frame.x + frame.width * 0.3, frame.y + frame.height / 2);
    assert.ok(Math.abs(Number(await handle.getAttribute('aria-valuenow')) - 30) <= 1);
    await h.screenshot(page, 'enhance-succeeded');

    // The job page shows the same.
    await page.goto(`${h.url}/media-lab/jobs/${id}`);
    await page.locator('media-lab-job img[data-role="output-preview"]').waitFor({ state: 'visible' });
    await page.locator('media-lab-job media-lab-compare [part="handle"]').waitFor();
  });
});
