// The jobs view shows a standing alert (five failures in a row) as a banner: from /health when
// the page loads, and live from the socket's alert / alert.cleared.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { Job } from '../../plugin/core/types.js';
import { steppingKind } from '../support/kinds.js';
import { startHarness, waitForText, type Harness } from '../support/browser.js';

describe('browser: alert banner', function () {
  let h: Harness;
  before(async () => {
    h = await startHarness({ kinds: [steppingKind('voice')] });
  });
  after(async () => h?.close());
  afterEach(() => assert.deepEqual(h.pageErrors.splice(0), []));

  /** Submits a voice job and resolves when the lab's bus says it finished. */
  async function run(params: Record<string, unknown>): Promise<Job> {
    const { status, body } = await h.apiJson<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'voice', params }) });
    assert.equal(status, 202, JSON.stringify(body));
    return new Promise((resolve) => {
      const onFinished = (job: Job) => {
        if (job.id !== body.id) return;
        h.host.lab.events.off('job.finished', onFinished);
        resolve(job);
      };
      h.host.lab.events.on('job.finished', onFinished);
      // It may have finished before the listener: ask the API once.
      void h.apiJson<Job>(`/jobs/${body.id}`).then(({ body: job }) => {
        if (job.status === 'SUCCEEDED' || job.status === 'FAILED') onFinished(job);
      });
    });
  }

  async function openJobsTab(): Promise<Page> {
    const page = await h.newPage();
    await page.goto(`${h.url}/media-lab#jobs`);
    await page.locator('media-lab-jobs [part="connection"][data-state="open"]').waitFor();
    await page.waitForLoadState('networkidle');
    return page;
  }

  it('shows the alert from /health at load, clears it live on a success, and shows a new one live', async () => {
    for (let i = 0; i < 5; i++) await run({ failWith: 'permanent' });
    const page = await openJobsTab();
    const banner = page.locator('media-lab-jobs [part="alerts"][role="alert"]');
    await waitForText(banner, /5 voice jobs failed in a row \(last: EXECUTOR_FAILED\)/);
    await h.screenshot(page, 'jobs-alert-banner');

    await run({});
    await banner.waitFor({ state: 'detached' });

    for (let i = 0; i < 5; i++) await run({ failWith: 'permanent' });
    await waitForText(banner, /5 voice jobs failed in a row/);
  });
});
