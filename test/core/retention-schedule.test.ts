// Scheduled retention (the `retention` option): off by default; started by lab.start, every
// `every` it runs the prune logic (here scope lab) and logs its report; a dry run only reports.
// The tests wait on the schedule's own onRun, never on a guessed time.
import assert from 'node:assert/strict';
import { startTestLab, captureLog, waitFor, type TestLab } from '../support/lab.js';
import { steppingKind } from '../support/kinds.js';
import { nextEvent } from '../support/wait.js';
import { ADMIN_USER } from '../support/auth.js';
import { installRetention } from '../../plugin/prompt-queue/index.js';
import type { RetentionRun } from '../../plugin/artifacts/retention-schedule.js';

async function finishedJob(t: TestLab): Promise<string> {
  const { job } = await t.lab.jobs.submit(ADMIN_USER, { workflow: 'voice', params: {} });
  await waitFor(async () => (await t.lab.jobs.detail(job.id))?.status === 'SUCCEEDED', `job ${job.id} to succeed`);
  return job.id;
}

const outputsOf = async (t: TestLab, jobId: string) => (await t.knex('media_artifacts').where({ job_id: jobId, role: 'output' })).length;

function nextRunWhere(t: TestLab, accept: (run: RetentionRun) => boolean, what: string): Promise<RetentionRun> {
  return nextEvent((listener) => t.lab.retention!.onRun(listener), accept, what);
}

describe('scheduled retention (retention option)', function () {
  this.timeout(60_000);

  it('is off by default', async () => {
    const t = await startTestLab({ kinds: [steppingKind('voice')] });
    try {
      assert.equal(t.lab.retention, null);
    } finally {
      await t.close();
    }
  });

  it('removes finished jobs\' outputs past retention in the background and logs the report', async () => {
    const log = captureLog();
    const t = await startTestLab({ kinds: [steppingKind('voice')], logger: log.logger, retention: { olderThan: '0.001s', every: '0.05s', scope: 'lab' } });
    try {
      installRetention(t.lab);
      // Listen before the job ends: the sweep that removes its output may come right after.
      const seen = nextRunWhere(t, (r) => /removed 1 rows/.test(r.summary ?? ''), 'a retention run that removes the output');
      const jobId = await finishedJob(t);
      const run = await seen;
      assert.equal(run.dryRun, false);
      assert.match(run.summary!, /prompt artifacts: skipped \(scope is lab\)/);
      assert.equal(await outputsOf(t, jobId), 0);
      assert.ok(log.info.some((line) => /^\[media-lab\] retention \(scope lab, every 50 ms\): prune: artifacts created before/.test(line)), log.info.join('\n'));
    } finally {
      await t.close();
    }
  });

  it('with dryRun only reports what would go', async () => {
    const t = await startTestLab({ kinds: [steppingKind('voice')], retention: { olderThan: '0.001s', every: '0.05s', scope: 'lab', dryRun: true } });
    try {
      installRetention(t.lab);
      // Listen before the job ends: the sweep that removes its output may come right after.
      const seen = nextRunWhere(t, (r) => /would remove 1 rows/.test(r.summary ?? ''), 'a dry run that reports the output');
      const jobId = await finishedJob(t);
      const run = await seen;
      assert.equal(run.dryRun, true);
      assert.match(run.summary!, /dry run: nothing removed/);
      assert.equal(await outputsOf(t, jobId), 1);
    } finally {
      await t.close();
    }
  });

  it('a lab without the prompt queue sweeps its own artifacts', async () => {
    const t = await startTestLab({ kinds: [steppingKind('voice')], retention: { olderThan: '0.001s', every: '0.05s' } });
    try {
      // Listen before the job ends: the sweep that removes its output may come right after.
      const seen = nextRunWhere(t, (r) => /removed 1 rows/.test(r.summary ?? ''), 'a retention run that removes the output');
      const jobId = await finishedJob(t);
      const run = await seen;
      assert.match(run.summary!, /^Media Lab artifacts created before/);
      assert.equal(await outputsOf(t, jobId), 0);
    } finally {
      await t.close();
    }
  });

  it('refuses a bad retention option, naming it', async () => {
    await assert.rejects(startTestLab({ retention: { olderThan: 'a month' } }), /option "retention.olderThan": expected a duration/);
  });
});
