// Scenario 2: interpolating a 60 fps clip to 95 fps is refused (422) and the form shows the
// server's message next to the target frame rate.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ffmpegPath } from '../../plugin/media/binaries.js';
import { startHarness, waitForText, type Harness } from '../support/browser.js';

function sixtyFpsClip(): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'media-lab-clip-'));
  const path = join(dir, 'clip-60fps.mp4');
  execFileSync(ffmpegPath, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=60', '-t', '0.5', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', path]);
  const bytes = readFileSync(path);
  rmSync(dir, { recursive: true, force: true });
  return bytes;
}

describe('browser: interpolate (scenario 2)', function () {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => h?.close());
  afterEach(() => assert.deepEqual(h.pageErrors.splice(0), []));

  it('shows the 422 message next to the target fps for 95 fps on a 60 fps clip', async () => {
    const clip = sixtyFpsClip();
    // What the server says, straight from the API, to compare with what the page shows.
    const upload = await h.upload(clip, 'clip-60fps.mp4');
    const refused = await h.apiJson<{ errors: Array<{ field: string; message: string }> }>('/jobs', {
      method: 'POST',
      body: JSON.stringify({ workflow: 'interpolate', params: { targetFps: 95 }, inputs: [upload.id] }),
    });
    assert.equal(refused.status, 422);
    const issue = refused.body.errors.find((e) => e.field === 'params.targetFps');
    assert.ok(issue, `the server names params.targetFps: ${JSON.stringify(refused.body)}`);

    const page = await h.newPage();
    await page.goto(`${h.url}/media-lab`);
    await page.locator('button[data-tab="interpolate"]').click();
    await page.locator('input[name="sourceVideo"]').setInputFiles({ name: 'clip-60fps.mp4', mimeType: 'video/mp4', buffer: clip });
    await page.locator('input[name="targetFps"]').fill('95');
    await page.locator('button[data-action="submit-job"]').click();
    const shown = await waitForText(page.locator('[data-error-for="targetFps"]'), /\S/);
    assert.ok(shown.includes(issue.message), `the page shows the server's message (${shown})`);
    assert.equal(await page.locator('input[name="targetFps"]').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('media-lab-toasts [data-role="toast"]').count(), 0, 'no "Job queued"');
    await h.screenshot(page, 'interpolate-422');
  });
});
