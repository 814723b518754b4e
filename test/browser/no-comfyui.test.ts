// The workspace with no ComfyUI configured (the demo host without COMFYUI_URL): the ComfyUI tabs
// say so, with the fix, before anyone fills a form; a job submitted anyway waits QUEUED for a
// backend; the prompt-queue page says processing is paused and why.
import assert from 'node:assert/strict';
import { startHarness, waitForJobStatus, waitForText, type Harness } from '../support/browser.js';

describe('browser: no ComfyUI configured', function () {
  let h: Harness;

  before(async () => {
    h = await startHarness({ demo: { comfyUrls: [], promptQueue: { queue: { pollIntervalMs: 100 } } } });
  });
  after(async () => h?.close());
  afterEach(() => assert.deepEqual(h.pageErrors.splice(0), []));

  it('marks the ComfyUI tabs unavailable with the reason and the fix, and leaves the local ones alone', async () => {
    const page = await h.newPage();
    await page.goto(`${h.url}/media-lab#generate`);
    const notice = page.locator('media-lab-job-form [data-role="kind-unavailable"]');
    await waitForText(notice, /Generate is unavailable on this server\. No ComfyUI backend is configured/);
    await waitForText(notice.locator('[data-role="kind-fix"]'), /Set COMFYUI_URL .* or the comfy\.backends option/);
    // Above the form's fields: seen before anyone fills one.
    const noticeBox = await notice.boundingBox();
    const firstField = await page.locator('media-lab-job-form [part~="field"]').first().boundingBox();
    assert.ok(noticeBox && firstField && noticeBox.y < firstField.y, 'the notice comes before the fields');
    assert.ok(noticeBox.y + noticeBox.height <= 900, 'the notice is in view without scrolling');
    await h.screenshot(page, 'no-comfyui-generate');

    for (const tab of ['blend', 'music', 'voice']) {
      await page.locator(`media-lab-app button[data-tab="${tab}"]`).click();
      await waitForText(page.locator('media-lab-job-form [data-role="kind-unavailable"]'), /No ComfyUI backend is configured/);
      assert.match(await page.locator(`media-lab-app button[data-tab="${tab}"]`).innerText(), /unavailable/);
    }
    await page.locator('media-lab-app button[data-tab="enhance"]').click();
    await page.locator('media-lab-job-form[workflow="enhance"] form').waitFor();
    assert.equal(await page.locator('media-lab-job-form [data-role="kind-unavailable"]').count(), 0, 'enhance runs locally');
  });

  it('a generate job submitted anyway waits for a backend instead of failing', async () => {
    const page = await h.newPage();
    await page.goto(`${h.url}/media-lab#generate`);
    await page.locator('media-lab-job-form select[name="preset"]').waitFor();
    await page.locator('media-lab-job-form select[name="preset"]').selectOption('txt2img');
    await page.locator('media-lab-job-form button[data-action="submit-job"]').click();
    const stage = page.locator('media-lab-app [part="latest"] media-lab-job [part="stage"]');
    await waitForText(stage, /waiting for a ComfyUI backend/);
    const id = await page.locator('media-lab-app [part="latest"] media-lab-job').getAttribute('job-id');
    assert.ok(id);
    const job = await waitForJobStatus(h, id, ['QUEUED']);
    assert.deepEqual([job.stage, job.attempts], ['waiting for a ComfyUI backend', 0]);
    await h.screenshot(page, 'no-comfyui-job-waiting');
  });

  it('the prompt-queue page says processing is paused and why', async () => {
    await h.host.promptQueue?.queue.pass();
    const page = await h.newPage();
    await page.goto(`${h.url}/prompts`);
    const paused = page.locator('prompt-artifacts [data-role="prompt-paused"]').first();
    await waitForText(paused, /Processing is paused: no ComfyUI backend is configured \(set COMFYUI_URL/);
    await h.screenshot(page, 'no-comfyui-prompt-queue');
  });
});
