// Workbench isolation on each database: workbench runs take only the workbench lane's slots (a
// production job still runs while the workbench lane is full, and a workbench run still runs
// while production's lane of its kind is full), and a draft's "run all" goes on after a restart.
import assert from 'node:assert/strict';
import { DATABASES } from '../support/db.js';
import { jobPaused, pausingKind, resumeJob, steppingKind } from '../support/kinds.js';
import { startTestLab, waitFor, waitForStatus, type TestLab } from '../support/lab.js';
import type { Draft } from '../../contract/workbench.js';
import type { Job } from '../../contract/job.js';
import { updateDraft } from '../../plugin/workbench/store.js';

for (const target of DATABASES) {
  target.describe(`workbench lane on ${target.name}`, function () {
    this.timeout(60_000);
    let t: TestLab;
    before(async () => {
      t = await startTestLab({ db: await target.create(), kinds: [pausingKind('voice')], lanes: { voice: 1, workbench: 1 } });
    });
    after(async () => t.close());

    // (reuse: false, so that a run identical to an earlier one really runs: these tests are about lanes)
    const runStep = async (draftId: string, stepId: string) =>
      (await t.json<{ job: Job }>(`/workbench/drafts/${draftId}/steps/${stepId}/run`, { method: 'POST', body: JSON.stringify({ reuse: false }) })).body.job;
    const status = async (id: string) => (await t.json<Job>(`/jobs/${id}`)).body.status;

    it('with the workbench lane full, a production job of the same kind still runs; the next workbench run waits for its lane', async () => {
      const { body: draft } = await t.json<Draft>('/workbench/drafts', {
        method: 'POST',
        body: JSON.stringify({ name: 'lanes', definition: { steps: [{ id: 'a', workflow: 'voice', params: { pauseAt: [0] } }, { id: 'b', workflow: 'voice', params: { pauseAt: [0] } }] } }),
      });
      const a = await runStep(draft.id, 'a');
      await jobPaused(a.id); // the workbench lane's one slot is taken
      const b = await runStep(draft.id, 'b');
      const production = await t.json<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'voice', params: {} }) });
      await waitForStatus(t, production.body.id, ['SUCCEEDED']);
      assert.equal(await status(a.id), 'RUNNING');
      assert.equal(await status(b.id), 'QUEUED', 'the second workbench run waits for the workbench lane, not for production');
      resumeJob(a.id);
      await jobPaused(b.id);
      resumeJob(b.id);
      await waitForStatus(t, b.id, ['SUCCEEDED']);
    });

    it('with production\'s lane full, a workbench run of the same kind still runs', async () => {
      const production = await t.json<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'voice', params: { pauseAt: [0] } }) });
      await jobPaused(production.body.id);
      const { body: draft } = await t.json<Draft>('/workbench/drafts', { method: 'POST', body: JSON.stringify({ name: 'lanes-2', definition: { steps: [{ id: 'a', workflow: 'voice', params: {} }] } }) });
      const a = await runStep(draft.id, 'a');
      await waitForStatus(t, a.id, ['SUCCEEDED']);
      assert.equal(await status(production.body.id), 'RUNNING');
      resumeJob(production.body.id);
      await waitForStatus(t, production.body.id, ['SUCCEEDED']);
    });
  });

  target.describe(`workbench run after a restart on ${target.name}`, function () {
    this.timeout(60_000);

    it('a "run all" started before a restart goes on from where it was', async () => {
      const db = await target.create();
      const kinds = [steppingKind('generate'), steppingKind('enhance')];
      // The first server has no worker: the run submits its first step and the server stops.
      const first = await startTestLab({ db, kinds, worker: { enabled: false, pollIntervalMs: 100, shutdownGraceMs: 2000 } });
      const { body: draft } = await first.json<Draft>('/workbench/drafts', {
        method: 'POST',
        body: JSON.stringify({ name: 'restart', definition: { steps: [{ id: 'gen', workflow: 'generate' }, { id: 'up', workflow: 'enhance', inputs: { image: { from: 'gen.output' } } }] } }),
      });
      const started = await first.json<Draft>(`/workbench/drafts/${draft.id}/run`, { method: 'POST' });
      assert.equal(started.body.run?.status, 'running');
      assert.deepEqual(started.body.steps.map((s) => s.selected?.status ?? null), ['QUEUED', null]);
      await first.lab.stop();
      first.server.closeAllConnections();
      await new Promise<void>((done) => first.server.close(() => done()));
      await first.knex.destroy();

      const second = await startTestLab({ db, kinds });
      try {
        const ended = await waitFor(async () => {
          const { body } = await second.json<Draft>(`/workbench/drafts/${draft.id}`);
          return body.run?.status !== 'running' ? body : null;
        }, 'the run to end on the second server');
        assert.equal(ended.run?.status, 'succeeded', ended.run?.error ?? '');
        assert.deepEqual(ended.steps.map((s) => [s.freshness, s.selected?.status]), [['fresh', 'SUCCEEDED'], ['fresh', 'SUCCEEDED']]);
      } finally {
        await second.close();
      }
    });
  });

  target.describe(`workbench run with two servers on ${target.name}`, function () {
    this.timeout(60_000);

    it('two servers that go on with the same run at once submit each step once', async () => {
      const db = await target.create();
      const kinds = [steppingKind('generate'), steppingKind('enhance')];
      // No workers: the steps stay QUEUED, so what each server submits can be counted.
      const worker = { enabled: false, pollIntervalMs: 100, shutdownGraceMs: 2000 };
      const first = await startTestLab({ db, kinds, worker });
      // The second server shares the database (it must not drop it when it closes).
      const second = await startTestLab({ db: { ...db, drop: async () => undefined }, kinds, worker });
      try {
        const steps = [{ id: 'a', workflow: 'generate' }, { id: 'b', workflow: 'enhance', params: {} }].map((s) => ({ ...s, params: {}, inputs: {} }));
        const { draft } = await first.lab.workbench.create({ id: 'demo-admin', roles: ['admin'] }, { name: 'two servers', definition: { steps } });
        // A run both servers see at once (as when each sees the same job finish).
        await updateDraft(first.knex, draft.id, { run: { target: null, status: 'running', actor: 'demo-admin', error: null, jobIds: [], startedAt: new Date().toISOString(), finishedAt: null } });
        await Promise.all([first.lab.workbench.advance(draft.id), second.lab.workbench.advance(draft.id)]);
        const jobs = (await first.knex('media_jobs').select('step_id').orderBy('step_id')) as Array<{ step_id: string }>;
        assert.deepEqual(jobs.map((j) => j.step_id), ['a', 'b'], 'each independent step submitted once');
        const { body } = await second.json<Draft>(`/workbench/drafts/${draft.id}`);
        assert.deepEqual(body.run?.jobIds.length, 2);
        assert.deepEqual(body.steps.map((s) => s.selected?.status), ['QUEUED', 'QUEUED']);
      } finally {
        await second.close();
        await first.close();
      }
    });
  });
}
