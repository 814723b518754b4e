// Every running job shows the time it has left, estimated from its own progress rate (the
// job.progress events' server times), in the job view and in the job list.
import assert from 'node:assert/strict';
import { EtaEstimator, formatEta } from '../../web-components/eta.js';
import { startHarness, waitForJobStatus, waitForText, type Harness } from '../support/browser.js';
import { steppingKind } from '../support/kinds.js';

describe('ETA from the job\'s own progress rate', () => {
  it('estimates the time left from the progress made since the first sample', () => {
    const eta = new EtaEstimator();
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    eta.add({ at: t0, progress: 0.1 });
    assert.equal(eta.seconds(t0), null, 'one sample: no rate yet');
    eta.add({ at: t0 + 1000, progress: 0.2 });
    assert.equal(eta.seconds(t0 + 1000), null, 'under 2 s of samples: too early to tell');
    eta.add({ at: t0 + 4000, progress: 0.5 });
    // 0.4 in 4 s -> 0.1/s; 0.5 left -> 5 s, less the 1 s since the last sample.
    assert.equal(eta.seconds(t0 + 5000), 4);
    assert.equal(eta.seconds(t0 + 60_000), 0, 'overdue: 0, never negative');
    eta.add({ at: t0 + 10_000, progress: 0.05 });
    assert.equal(eta.seconds(t0 + 10_000), null, 'progress went back (a retry): measured afresh');
  });

  it('seeds from the row of a first attempt (progress 0 at startedAt), not of a retried one', () => {
    const row = { status: 'RUNNING' as const, attempts: 1, startedAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:10.000Z', progress: 0.25 };
    const first = new EtaEstimator();
    first.seed(row);
    assert.equal(first.seconds(Date.parse(row.updatedAt)), 30);
    const retried = new EtaEstimator();
    retried.seed({ ...row, attempts: 2 });
    assert.equal(retried.seconds(Date.parse(row.updatedAt)), null);
  });

  it('reads as a person would say it', () => {
    assert.deepEqual([null, 0, 42, 179, 5000].map(formatEta), ['', 'finishing…', 'about 42 s left', 'about 3 min left', 'about 1 h 23 min left']);
  });
});

describe('browser: ETA on running jobs', function () {
  this.timeout(60_000);
  let h: Harness;
  before(async () => {
    h = await startHarness({ kinds: [steppingKind('voice')] });
  });
  after(async () => h?.close());
  afterEach(() => assert.deepEqual(h.pageErrors.splice(0), []));

  it('the job page and the job list show "about N s left" while the job runs', async () => {
    const { body } = await h.apiJson<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'voice', params: { steps: 40, stepMs: 250 } }) });
    const page = await h.newPage();
    await page.goto(`${h.url}/media-lab/jobs/${body.id}`);
    const shown = await waitForText(page.locator('media-lab-job [part="progress"] [data-role="eta"]'), /^about \d+ s left$/);
    const seconds = Number(/\d+/.exec(shown)![0]);
    assert.ok(seconds >= 1 && seconds <= 15, `a 10 s job shows a plausible time left: ${shown}`);
    await h.screenshot(page, 'job-eta');
    const list = await h.newPage();
    await list.goto(`${h.url}/media-lab#jobs`);
    await waitForText(list.locator(`media-lab-jobs li[data-job-id="${body.id}"] [data-role="eta"]`), /^(about \d+ s left|finishing…)$/);
    await waitForJobStatus(h, body.id, ['SUCCEEDED']);
  });
});
