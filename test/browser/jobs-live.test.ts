// The job views against the job core (test executors): the live list over the WebSocket, cancel
// and retry with toasts, filters and cursor paging, the form's field errors, the job page.
import assert from 'node:assert/strict';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { socketFrames, startHarness, waitForJobStatus, waitForText, type Harness } from '../support/browser.js';
import { jobPaused, pausingKind, resumeJob, steppingKind, validatingKind } from '../support/kinds.js';
import { waitFor } from '../support/wait.js';

describe('browser: jobs', function () {
  let h: Harness;
  before(async () => {
    h = await startHarness({ kinds: [validatingKind('voice'), validatingKind('interpolate'), steppingKind('generate'), pausingKind('music')] });
  });
  after(async () => h?.close());
  afterEach(() => assert.deepEqual(h.pageErrors.splice(0), []));

  async function submit(workflow: string, params: Record<string, unknown>): Promise<string> {
    const { status, body } = await h.apiJson<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow, params }) });
    assert.equal(status, 202, JSON.stringify(body));
    return body.id;
  }

  async function openJobsTab(): Promise<Page> {
    const page = await h.newPage();
    await page.goto(`${h.url}/media-lab#jobs`);
    await page.locator('media-lab-jobs [part="connection"][data-state="open"]').waitFor();
    // The list reads again once the socket says hello; let that settle.
    await page.waitForLoadState('networkidle');
    return page;
  }

  it('the job list follows a job live over the WebSocket, without reloading', async () => {
    const page = await openJobsTab();
    const listRequests: string[] = [];
    page.on('request', (r) => {
      if (/\/api\/media-lab\/jobs(\?|$)/.test(r.url())) listRequests.push(r.url());
    });
    const id = await submit('voice', { steps: 10, stepMs: 150 });
    const row = page.locator(`media-lab-jobs li[data-job-id="${id}"]`);
    await row.waitFor();
    const stages = new Set<string>();
    await waitFor(async () => {
      // allInnerTexts does not wait: the progress bar leaves the row when the job finishes.
      for (const stage of await row.locator('[part="stage"]').allInnerTexts()) if (stage) stages.add(stage);
      return (await row.locator('media-lab-status-badge [part="badge"]').allInnerTexts()).includes('SUCCEEDED');
    }, 'the row to reach SUCCEEDED');
    assert.ok([...stages].filter((s) => /^step \d+\/10$/.test(s)).length >= 2, `progress moved live: ${[...stages].join(', ')}`);
    assert.deepEqual(listRequests, [], 'no list reloads: the row changed through WebSocket events');
    await h.screenshot(page, 'jobs-live-succeeded');
  });

  it('cancel and retry from the list, each confirmed by a toast', async () => {
    const page = await openJobsTab();
    const id = await submit('voice', { steps: 300, stepMs: 100 });
    const row = page.locator(`media-lab-jobs li[data-job-id="${id}"]`);
    await waitForText(row.locator('media-lab-status-badge [part="badge"]'), /RUNNING/);
    await h.screenshot(page, 'jobs-running');
    await row.locator('button[data-action="cancel-job"]').click();
    await waitForText(page.locator('media-lab-app media-lab-toasts [data-role="toast"]'), /Cancel requested|Job cancelled/);
    await waitForText(row.locator('media-lab-status-badge [part="badge"]'), /CANCELLED/);
    const cancelled = await waitForJobStatus(h, id, ['CANCELLED']);
    assert.equal((cancelled.outputs as unknown[]).length, 0, 'a cancelled job publishes nothing');

    await row.locator('button[data-action="retry-job"]').click();
    await waitForText(page.locator('media-lab-app [data-role="toast"]'), /Job queued again/);
    await waitForText(row.locator('media-lab-status-badge [part="badge"]'), /QUEUED|RUNNING/);
    assert.equal(await row.locator('button[data-action="retry-job"]').count(), 0, 'retry is gone while the job is active');
    await h.apiJson(`/jobs/${id}/cancel`, { method: 'POST' });
    await waitForText(row.locator('media-lab-status-badge [part="badge"]'), /CANCELLED/);
  });

  it('filters by status and pages with the cursor ("Load more")', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 9; i++) ids.push(await submit('generate', { steps: 1, outputs: 0 }));
    for (const id of ids) await waitForJobStatus(h, id, ['SUCCEEDED']);
    const page = await h.newPage();
    await page.goto(`${h.url}/`);
    await page.evaluate(() => {
      const list = document.createElement('media-lab-jobs');
      list.setAttribute('workflow', 'generate');
      list.setAttribute('page-size', '4');
      document.querySelector('main')?.append(list);
    });
    const rows = page.locator('media-lab-jobs li[data-job-id]');
    await waitFor(async () => (await rows.count()) === 4, '4 rows');
    assert.equal(await rows.first().getAttribute('data-job-id'), ids[8], 'newest first');
    await page.locator('media-lab-jobs button[data-action="load-more"]').click();
    await waitFor(async () => (await rows.count()) === 8, '8 rows');
    await page.locator('media-lab-jobs button[data-action="load-more"]').click();
    await waitFor(async () => (await rows.count()) === 9, '9 rows');
    assert.equal(await page.locator('media-lab-jobs button[data-action="load-more"]').count(), 0, 'no more pages');
    assert.deepEqual(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-job-id'))), [...ids].reverse());

    await page.locator('media-lab-jobs select[name="status"]').selectOption('FAILED');
    await waitForText(page.locator('media-lab-jobs .empty'), /No jobs match these filters/);
    assert.equal(await rows.count(), 0);
    await page.locator('media-lab-jobs select[name="status"]').selectOption('SUCCEEDED');
    await waitFor(async () => (await rows.count()) === 4, 'SUCCEEDED page');
  });

  it('the form shows bound errors at once, the server\'s field errors next to their fields, and "Job queued" on success', async () => {
    const page = await h.newPage();
    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/api/media-lab/jobs')) posts.push(r.url());
    });
    await page.goto(`${h.url}/media-lab`);
    // A kind without ComfyUI presets: its form comes from the (test) kind's JSON Schema.
    await page.locator('button[data-tab="interpolate"]').click();
    const steps = page.locator('media-lab-job-form input[name="steps"]');

    await steps.fill('5000');
    await page.locator('button[data-action="submit-job"]').click();
    await waitForText(page.locator('[data-error-for="steps"]'), /at most 1000/);
    assert.equal(posts.length, 0, 'bounds from the schema are checked before sending');

    await steps.fill('13');
    await page.locator('button[data-action="submit-job"]').click();
    await waitForText(page.locator('[data-error-for="steps"]'), /Thirteen steps are not allowed on this server/);
    assert.equal(await steps.getAttribute('aria-invalid'), 'true');
    assert.equal(posts.length, 1);

    await steps.fill('14');
    await page.locator('button[data-action="submit-job"]').click();
    await waitForText(page.locator('[data-error-for="sourceImage"]'), /too small for 14 steps/);
    assert.equal(await page.locator('[data-error-for="steps"]').count(), 0, 'old errors clear on a new submit');
    await h.screenshot(page, 'form-field-errors');

    await steps.fill('2');
    await page.locator('media-lab-job-form input[name="sourceImage"]').setInputFiles({
      name: 'ref.png',
      mimeType: 'image/png',
      buffer: await sharp({ create: { width: 20, height: 20, channels: 3, background: '#3a7' } }).png().toBuffer(),
    });
    await page.locator('button[data-action="submit-job"]').click();
    await waitForText(page.locator('media-lab-toasts [data-role="toast"]'), /Job queued/);
    assert.equal(await page.locator('[data-error-for]').count(), 0);
    const latest = page.locator('media-lab-app [part="latest"] media-lab-job');
    await waitForText(latest.locator('media-lab-status-badge [part="badge"]'), /SUCCEEDED/);
    await latest.locator('img[data-role="output-preview"]').waitFor({ state: 'visible' });
    await latest.locator('img[data-role="input-preview"]').waitFor({ state: 'visible' });
  });

  it('the job page: live progress, cancel, no outputs; a failure explains what to do and can be retried', async () => {
    const slow = await submit('voice', { steps: 300, stepMs: 100 });
    const page = await h.newPage();
    await page.goto(`${h.url}/media-lab/jobs/${slow}`);
    const job = page.locator('media-lab-job');
    await waitForText(job.locator('[part="stage"]'), /step \d+\/300/);
    await job.locator('button[data-action="cancel-job"]').click();
    await waitForText(job.locator('media-lab-status-badge [part="badge"]'), /CANCELLED/);
    await waitForText(job.locator('[data-role="no-outputs"]'), /No outputs were published/);
    await waitForText(job.locator('[data-role="audit"]'), /cancel-requested[\s\S]*cancelled/);

    const failing = await submit('voice', { steps: 1, failWith: 'permanent' });
    await waitForJobStatus(h, failing, ['FAILED']);
    await page.goto(`${h.url}/media-lab/jobs/${failing}`);
    const error = job.locator('[part="error"]');
    await waitForText(error, /EXECUTOR_FAILED/);
    assert.match(await error.innerText(), /planned permanent failure/);
    assert.match(await error.innerText(), /What to do: The pipeline failed\. Retry/);
    await h.screenshot(page, 'job-page-failed');
    await job.locator('button[data-action="retry-job"]').click();
    await waitForText(page.locator('media-lab-toasts[global] [data-role="toast"]'), /Job queued again/);
    await waitForText(job.locator('[data-role="audit"]'), /retried/);
    await waitForJobStatus(h, failing, ['FAILED']);
  });

  it('the job page ends at SUCCEEDED when the job finishes while the page is still loading it', async () => {
    // The job waits before its first step until the page's socket is listening.
    const id = await submit('music', { steps: 8, stepMs: 100, pauseAt: [0] });
    await waitForJobStatus(h, id, ['RUNNING']);
    const page = await h.newPage();
    const frames = socketFrames(page);
    // The page's first read of the job is answered late, with what the server said while the job
    // was still running: every live event of the run arrives before that stale answer.
    let held = 0;
    await page.route(`**/api/media-lab/jobs/${id}`, async (route) => {
      if (route.request().method() !== 'GET' || held++ > 0) return route.continue();
      const stale = await route.fetch();
      assert.equal(JSON.parse(await stale.text()).status, 'RUNNING');
      await waitForJobStatus(h, id, ['SUCCEEDED']);
      await frames.next((payload) => payload.includes('job.finished') && payload.includes(id), `job.finished of ${id} on the page's socket`);
      await route.fulfill({ response: stale });
    });
    await page.goto(`${h.url}/media-lab/jobs/${id}`);
    await frames.next((payload) => payload.includes('"hello"'), "the page's socket to listen");
    await jobPaused(id);
    resumeJob(id);
    const job = page.locator('media-lab-job');
    await waitForText(job.locator('media-lab-status-badge [part="badge"]'), /SUCCEEDED/, 10_000);
    assert.ok(held >= 2, 'the page read the job again');
  });

  it('the job list keeps a live change that arrived while a slower list answer was on its way', async () => {
    // The job waits before its first step until the page's socket is listening.
    const id = await submit('music', { steps: 8, stepMs: 100, pauseAt: [0] });
    await waitForJobStatus(h, id, ['RUNNING']);
    const page = await h.newPage();
    const frames = socketFrames(page);
    // Every list read is answered late, with what the server said while the job was running.
    let unanswered = 0;
    await page.route('**/api/media-lab/jobs?*', async (route) => {
      unanswered++;
      const stale = await route.fetch();
      await waitForJobStatus(h, id, ['SUCCEEDED']);
      await frames.next((payload) => payload.includes('job.finished') && payload.includes(id), `job.finished of ${id} on the page's socket`);
      await route.fulfill({ response: stale });
      unanswered--;
    });
    await page.goto(`${h.url}/media-lab#jobs`);
    await frames.next((payload) => payload.includes('"hello"'), "the page's socket to listen");
    await jobPaused(id);
    resumeJob(id);
    const row = page.locator(`media-lab-jobs li[data-job-id="${id}"]`);
    await waitForText(row.locator('media-lab-status-badge [part="badge"]'), /SUCCEEDED/, 10_000);
    await page.waitForLoadState('networkidle');
    // Every late answer has been handed over and the page has rendered what it made of them.
    await waitFor(() => unanswered === 0, 'the held list reads to be answered');
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    assert.deepEqual(await row.locator('media-lab-status-badge [part="badge"]').allInnerTexts(), ['SUCCEEDED'], 'the late answers did not undo it');
  });
});
