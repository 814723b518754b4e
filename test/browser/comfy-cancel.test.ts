// Scenario 3: generate through the fake ComfyUI with a slow workflow; the badge shows RUNNING,
// cancel turns it CANCELLED, and no output artifact is published.
import assert from 'node:assert/strict';
import { startFakeComfy, type FakeComfy } from '../fake-comfy/index.js';
import { startHarness, waitForJobStatus, waitForText, type Harness } from '../support/browser.js';
import { waitFor } from '../support/wait.js';

describe('browser: ComfyUI generate, cancelled (scenario 3)', function () {
  let h: Harness;
  let comfy: FakeComfy;
  before(async () => {
    comfy = await startFakeComfy({ nodeDelayMs: 1500 });
    h = await startHarness({ demo: { comfyUrls: [comfy.url] } });
  });
  after(async () => {
    await h?.close();
    await comfy?.close();
  });
  afterEach(() => assert.deepEqual(h.pageErrors.splice(0), []));

  it('RUNNING, cancel, CANCELLED, nothing published', async () => {
    const page = await h.newPage();
    await page.goto(`${h.url}/media-lab`);
    await page.locator('button[data-tab="generate"]').click();
    const preset = page.locator('select[name="preset"]');
    await preset.waitFor();
    await preset.selectOption('txt2img');
    await page.locator('textarea[name="prompt"]').fill('a lighthouse keeper, watercolor');
    await page.locator('input[name="steps"]').fill('4');
    await page.locator('button[data-action="submit-job"]').click();
    await waitForText(page.locator('media-lab-toasts [data-role="toast"]'), /Job queued/);
    const latest = page.locator('media-lab-app [part="latest"] media-lab-job');
    const id = await waitFor(() => latest.getAttribute('job-id'), 'the latest job panel');

    await page.locator('button[data-tab="jobs"]').click();
    const row = page.locator(`media-lab-jobs li[data-job-id="${id}"]`);
    await waitForText(row.locator('media-lab-status-badge [part="badge"]'), /RUNNING/, 30_000);
    await h.screenshot(page, 'comfy-running');
    await row.locator('button[data-action="cancel-job"]').click();
    await waitForText(row.locator('media-lab-status-badge [part="badge"]'), /CANCELLED/, 30_000);

    const job = await waitForJobStatus(h, id, ['CANCELLED']);
    assert.deepEqual(job.outputs, []);
    const outputs = await h.apiJson<{ items: unknown[] }>(`/artifacts?jobId=${id}`);
    assert.deepEqual(outputs.body.items, [], 'no artifact of the cancelled job is published');
    await h.screenshot(page, 'comfy-cancelled');
  });
});
