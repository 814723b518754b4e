// The workbench API on each database: drafts per admin, a three-step draft run to the end, a
// rerun of the middle step that leaves the downstream step stale, run to here, selecting an
// older result, the export (run as a chain through POST /jobs), deleting a draft (artifacts stay), a failing step that fails only
// its run, and the bad paths (422 naming the path, another admin's draft, unknown step, 409).
import assert from 'node:assert/strict';
import { DATABASES } from '../support/db.js';
import { steppingKind } from '../support/kinds.js';
import { startTestLab, waitFor, waitForStatus, type TestLab } from '../support/lab.js';
import type { Draft } from '../../contract/workbench.js';
import type { Job } from '../../contract/job.js';

type Problem = { code: string; detail?: string; errors?: Array<{ field: string; message: string }> };

const threeSteps = {
  inputs: [],
  steps: [
    { id: 'gen', workflow: 'generate', params: { steps: 1 } },
    { id: 'up', workflow: 'enhance', params: { steps: 1 }, inputs: { image: { from: 'gen.output' } } },
    { id: 'clip', workflow: 'interpolate', params: { steps: 1 }, inputs: { image: { from: 'up.output' } } },
  ],
};

for (const target of DATABASES) {
  target.describe(`workbench API on ${target.name}`, function () {
    this.timeout(60_000);
    let t: TestLab;
    before(async () => {
      t = await startTestLab({
        db: await target.create(),
        // enhance takes images only, as the real one does (the type checks need one strict kind)
        kinds: [steppingKind('generate'), { ...steppingKind('enhance'), inputs: { min: 0, max: 4, kinds: ['image'] } }, steppingKind('interpolate')],
        quotas: { maxActiveJobsPerUser: 100, maxSubmissionsPerDay: 10_000 },
      });
    });
    after(async () => t.close());

    const create = async (definition: unknown = threeSteps, name = 'turnaround') => t.json<Draft & Problem>('/workbench/drafts', { method: 'POST', body: JSON.stringify({ name, definition }) });
    const draft = async (id: string) => (await t.json<Draft>(`/workbench/drafts/${id}`)).body;
    const step = (d: Draft, id: string) => d.steps.find((s) => s.stepId === id)!;
    const runFinished = (id: string) => waitFor(async () => {
      const d = await draft(id);
      return d.run && d.run.status !== 'running' ? d : null;
    }, `the run of draft ${id} to end`);

    it('runs a three-step draft to the end, reruns the middle step, shows downstream stale, runs to here, restores an older result and exports', async () => {
      const created = await create();
      assert.equal(created.status, 201);
      assert.equal(created.res.headers.get('location'), `/api/media-lab/workbench/drafts/${created.body.id}`);
      const id = created.body.id;
      assert.deepEqual(created.body.steps.map((s) => s.freshness), ['missing', 'missing', 'missing']);

      const started = await t.json<Draft>(`/workbench/drafts/${id}/run`, { method: 'POST' });
      assert.equal(started.status, 202);
      const done = await runFinished(id);
      assert.equal(done.run?.status, 'succeeded', done.run?.error ?? '');
      assert.deepEqual(done.steps.map((s) => [s.stepId, s.freshness, s.selected?.status]), [['gen', 'fresh', 'SUCCEEDED'], ['up', 'fresh', 'SUCCEEDED'], ['clip', 'fresh', 'SUCCEEDED']]);
      assert.deepEqual(done.edges.map((e) => [e.from, e.to, e.at, e.freshness]), [['gen', 'up', 'inputs.image', 'fresh'], ['up', 'clip', 'inputs.image', 'fresh']]);
      // Each run is a normal job of its workflow in the workbench lane, below production's priority,
      // reading the selected upstream result's artifact.
      const gen = step(done, 'gen').selected!;
      const up = step(done, 'up').selected!;
      assert.equal(up.job.workflow, 'enhance');
      assert.equal(up.job.priority, -5);
      assert.deepEqual(up.job.inputIds, [gen.outputs[0]!.id]);
      assert.deepEqual(up.snapshot.upstream, { gen: gen.jobId });
      assert.deepEqual(up.snapshot.artifacts, { 'inputs.image': gen.outputs[0]!.id });
      const lanes = await t.knex('media_jobs').select('lane', 'step_id').orderBy('id');
      assert.deepEqual(lanes.map((r: { lane: string; step_id: string }) => [r.lane, r.step_id]), [['workbench', 'gen'], ['workbench', 'up'], ['workbench', 'clip']]);

      // Rerun the middle step with another param: the step downstream is stale, and so is its edge.
      const rerun = await t.json<{ job: Job; draft: Draft }>(`/workbench/drafts/${id}/steps/up/run`, { method: 'POST', body: JSON.stringify({ params: { steps: 3 } }) });
      assert.equal(rerun.status, 202);
      assert.equal(rerun.body.job.params.steps, 3);
      await waitForStatus(t, rerun.body.job.id, ['SUCCEEDED']);
      const afterRerun = await draft(id);
      assert.equal(step(afterRerun, 'up').freshness, 'fresh');
      assert.equal(step(afterRerun, 'up').results.length, 2);
      assert.equal(step(afterRerun, 'clip').freshness, 'stale');
      assert.deepEqual(step(afterRerun, 'clip').reasons, ['upstream "up" has another result selected']);
      assert.equal(afterRerun.edges.find((e) => e.to === 'clip')!.freshness, 'stale');
      assert.equal(step(afterRerun, 'clip').results[0]!.freshness, 'stale');

      // Run to here: only the stale step runs (gen and up are fresh and finished).
      const jobsBefore = (await t.knex('media_jobs').count({ n: '*' }).first()) as { n: number | string };
      assert.equal((await t.json(`/workbench/drafts/${id}/steps/clip/run-to-here`, { method: 'POST' })).status, 202);
      const toHere = await runFinished(id);
      assert.equal(toHere.run?.status, 'succeeded');
      assert.equal(toHere.run?.jobIds.length, 1);
      const jobsAfter = (await t.knex('media_jobs').count({ n: '*' }).first()) as { n: number | string };
      assert.equal(Number(jobsAfter.n), Number(jobsBefore.n) + 1);
      assert.deepEqual(toHere.steps.map((s) => s.freshness), ['fresh', 'fresh', 'fresh']);
      assert.deepEqual(step(toHere, 'clip').selected!.job.inputIds, [step(toHere, 'up').selected!.outputs[0]!.id]);

      // Selecting the first result of "up" restores its params and selects the clip made from it.
      const first = step(toHere, 'up').results.at(-1)!;
      const selected = await t.json<Draft>(`/workbench/drafts/${id}/steps/up/select`, { method: 'POST', body: JSON.stringify({ jobId: first.jobId }) });
      assert.equal(selected.status, 200);
      assert.equal(step(selected.body, 'up').selected!.jobId, first.jobId);
      assert.deepEqual((selected.body.definition as typeof threeSteps).steps[1]!.params, { steps: 1 });
      assert.equal(step(selected.body, 'clip').selected!.jobId, step(done, 'clip').selected!.jobId);
      assert.deepEqual(selected.body.steps.map((s) => s.freshness), ['fresh', 'fresh', 'fresh']);

      // Export as chain preset: one call, a version; the same content again is the same version.
      const exported = await t.json<{ name: string; version: number; hash: string; created: boolean }>(`/workbench/drafts/${id}/export`, { method: 'POST', body: JSON.stringify({ name: 'turnaround' }) });
      assert.equal(exported.status, 201);
      assert.equal(exported.body.version, 1);
      assert.match(exported.body.hash, /^[0-9a-f]{64}$/);
      const again = await t.json<{ version: number; created: boolean }>(`/workbench/drafts/${id}/export`, { method: 'POST', body: JSON.stringify({ name: 'turnaround' }) });
      assert.deepEqual([again.status, again.body.version, again.body.created], [200, 1, false]);

      // The exported preset runs in production as a chain through POST /jobs.
      const submitted = await t.json<Job>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'chain', preset: { name: exported.body.name } }) });
      assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
      const chain = await waitForStatus(t, submitted.body.id, ['SUCCEEDED', 'FAILED', 'CANCELLED']);
      assert.equal(chain.status, 'SUCCEEDED', `${chain.errorCode}: ${chain.errorMessage}`);
      assert.deepEqual(chain.preset && [chain.preset.name, chain.preset.version], ['turnaround', 1]);
      const chainSteps = (await t.json<{ items: Job[] }>(`/jobs?parentJobId=${chain.id}`)).body.items;
      assert.deepEqual(chainSteps.map((s) => [s.stepId, s.workflow, s.status]).sort(), [['clip', 'interpolate', 'SUCCEEDED'], ['gen', 'generate', 'SUCCEEDED'], ['up', 'enhance', 'SUCCEEDED']]);
      assert.ok(chainSteps.every((s) => s.lane === null), 'production steps run in their kinds\' lanes, not the workbench\'s');
      const intermediates = (await t.json<{ items: Array<{ id: string; jobId: string; role: string }> }>('/artifacts?role=intermediate&limit=100')).body.items;
      for (const stepId of ['gen', 'up']) {
        const stepJob = chainSteps.find((s) => s.stepId === stepId)!;
        assert.ok(intermediates.some((a) => a.jobId === stepJob.id), `step ${stepId} made an intermediate`);
      }
      const clipJob = chainSteps.find((s) => s.stepId === 'clip')!;
      assert.ok(chain.outputs.length > 0, 'the chain has outputs');
      assert.ok(chain.outputs.every((o) => o.role === 'output' && o.jobId === clipJob.id), "the chain's outputs are its last step's");

      // Deleting the draft keeps the runs' artifacts (a production job may read them).
      const artifactId = step(toHere, 'clip').selected!.outputs[0]!.id;
      const list = await t.json<{ items: Array<{ id: string }> }>('/workbench/drafts');
      assert.ok(list.body.items.some((d) => d.id === id));
      assert.equal((await t.fetch(`/workbench/drafts/${id}`, { method: 'DELETE' })).status, 204);
      assert.equal((await t.json(`/workbench/drafts/${id}`)).status, 404);
      assert.equal((await t.json(`/artifacts/${artifactId}`)).status, 200);
      const production = await t.json<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'enhance', inputs: [artifactId] }) });
      assert.equal(production.status, 202);
      await waitForStatus(t, production.body.id, ['SUCCEEDED']);
    });

    it('runs a step again with the same recipe: the earlier result stands in at once (reused); reuse: false or other params run it', async () => {
      const { body } = await create({ steps: [{ id: 'solo', workflow: 'generate', params: { steps: 2, outputs: 2 } }] }, 'reuse');
      const run = (request: unknown = {}) => t.json<{ job: Job; draft: Draft }>(`/workbench/drafts/${body.id}/steps/solo/run`, { method: 'POST', body: JSON.stringify(request) });
      const first = (await run()).body.job;
      assert.equal(first.reusedFromJobId, null);
      await waitForStatus(t, first.id, ['SUCCEEDED']);

      const again = await run();
      assert.equal(again.status, 202);
      assert.equal(again.body.job.status, 'SUCCEEDED', 'finished in the answer: nothing ran');
      assert.equal(again.body.job.reusedFromJobId, first.id);
      const solo = step(again.body.draft, 'solo');
      assert.deepEqual([solo.results.length, solo.selected!.jobId, solo.freshness], [2, again.body.job.id, 'fresh']);
      const original = solo.results.find((r) => r.jobId === first.id)!;
      assert.deepEqual(solo.selected!.outputs.map((a) => a.sha256), original.outputs.map((a) => a.sha256));
      assert.ok(solo.selected!.outputs.every((a) => a.jobId === again.body.job.id), 'the reused outputs belong to the new result');
      const events = (await t.knex('media_job_events').where({ job_id: again.body.job.id }).orderBy('id')) as Array<{ type: string }>;
      assert.deepEqual(events.map((e) => e.type), ['submitted', 'reused'], 'no worker claimed it');

      // reuse: false runs it anyway; so does a recipe that differs.
      const forced = (await run({ reuse: false })).body.job;
      assert.deepEqual([forced.status, forced.reusedFromJobId], ['QUEUED', null]);
      assert.equal((await waitForStatus(t, forced.id, ['SUCCEEDED'])).reusedFromJobId, null);
      const other = (await run({ params: { steps: 3, outputs: 2 } })).body.job;
      assert.deepEqual([other.status, other.reusedFromJobId], ['QUEUED', null]);
      await waitForStatus(t, other.id, ['SUCCEEDED']);
      assert.equal(step(await draft(body.id), 'solo').results.length, 4);
    });

    it('a failing step fails only its run; the steps before it keep their results', async () => {
      const definition = {
        steps: [
          { id: 'gen', workflow: 'generate', params: {} },
          { id: 'up', workflow: 'enhance', params: { failWith: 'permanent' }, inputs: { image: { from: 'gen.output' } } },
          { id: 'clip', workflow: 'interpolate', params: {}, inputs: { image: { from: 'up.output' } } },
        ],
      };
      const { body } = await create(definition, 'breaks');
      await t.json(`/workbench/drafts/${body.id}/run`, { method: 'POST' });
      const ended = await runFinished(body.id);
      assert.equal(ended.run?.status, 'failed');
      assert.match(ended.run?.error ?? '', /step "up" failed: planned permanent failure/);
      assert.deepEqual(ended.steps.map((s) => [s.freshness, s.selected?.status ?? null]), [['fresh', 'SUCCEEDED'], ['fresh', 'FAILED'], ['missing', null]]);
      const production = await t.json<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'generate' }) });
      await waitForStatus(t, production.body.id, ['SUCCEEDED']);
    });

    it('answers 422 naming the path for an invalid draft', async () => {
      const unknownStep = await create({ steps: [{ id: 'gen', workflow: 'generate' }, { id: 'up', workflow: 'enhance', inputs: { image: { from: 'nope.output' } } }] });
      assert.equal(unknownStep.status, 422);
      assert.equal(unknownStep.body.code, 'VALIDATION_FAILED');
      assert.deepEqual(unknownStep.body.errors?.map((e) => e.field), ['definition.steps[1].inputs.image']);
      assert.match(unknownStep.body.errors![0]!.message, /"nope"/);

      const badKind = await create({ steps: [{ id: 'gen', workflow: 'paint' }] });
      assert.equal(badKind.status, 422);
      assert.deepEqual(badKind.body.errors?.map((e) => e.field), ['definition.steps[0].workflow']);

      const loop = await create({
        steps: [
          { id: 'a', workflow: 'enhance', inputs: { image: { from: 'b.output' } } },
          { id: 'b', workflow: 'enhance', inputs: { image: { from: 'a.output' } } },
        ],
      });
      assert.equal(loop.status, 422);
      assert.match(loop.body.errors![0]!.message, /loop: a -> b -> a/);

      const mismatch = await create({ inputs: [{ name: 'song', type: 'audio' }], steps: [{ id: 'up', workflow: 'enhance', inputs: { image: { from: 'inputs.song' } } }] });
      assert.equal(mismatch.status, 422);
      assert.deepEqual(mismatch.body.errors?.map((e) => e.field), ['definition.steps[0].inputs.image']);
      assert.match(mismatch.body.errors![0]!.message, /\(audio\); enhance takes image/);

      const { body } = await create({ steps: [] }, 'empty');
      const updated = await t.json<Problem>(`/workbench/drafts/${body.id}`, { method: 'PUT', body: JSON.stringify({ definition: { steps: [{ id: 'x', workflow: 'enhance', inputs: { image: { from: 'y.output' } } }] } }) });
      assert.equal(updated.status, 422);
      assert.deepEqual(updated.body.errors?.map((e) => e.field), ['definition.steps[0].inputs.image']);
      const exportEmpty = await t.json<Problem>(`/workbench/drafts/${body.id}/export`, { method: 'POST', body: JSON.stringify({ name: 'empty' }) });
      assert.equal(exportEmpty.status, 422);
      assert.deepEqual(exportEmpty.body.errors?.map((e) => e.field), ['definition.steps']);
    });

    it('a param the step\'s kind rejects is a 422 naming the step\'s path when it runs', async () => {
      const { body } = await create({ steps: [{ id: 'gen', workflow: 'generate', params: { steps: 0 } }] }, 'bad-param');
      const run = await t.json<Problem>(`/workbench/drafts/${body.id}/steps/gen/run`, { method: 'POST' });
      assert.equal(run.status, 422);
      assert.deepEqual(run.body.errors?.map((e) => e.field), ['definition.steps[0].params.steps']);
    });

    it('another admin\'s draft is not found; an unknown step is 404; a step whose upstream has no result is 409', async () => {
      const theirs = await t.lab.workbench.create({ id: 'other-admin', roles: ['admin'] }, { name: 'theirs', definition: threeSteps });
      for (const [method, path] of [['GET', ''], ['PUT', ''], ['DELETE', ''], ['POST', '/run'], ['POST', '/steps/gen/run'], ['POST', '/export']] as const) {
        const res = await t.json<Problem>(`/workbench/drafts/${theirs.draft.id}${path}`, { method, body: method === 'GET' || method === 'DELETE' ? undefined : JSON.stringify(path === '/export' ? { name: 'x' } : {}) });
        assert.equal(res.status, 404, `${method} ${path}`);
        assert.equal(res.body.code, 'NOT_FOUND');
      }
      const mine = await t.json<{ items: Array<{ id: string }> }>('/workbench/drafts');
      assert.ok(!mine.body.items.some((d) => d.id === theirs.draft.id), 'not listed for another admin');

      const { body } = await create(threeSteps, 'bad-paths');
      const unknown = await t.json<Problem>(`/workbench/drafts/${body.id}/steps/nope/run`, { method: 'POST' });
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.code, 'NOT_FOUND');
      assert.match(unknown.body.detail ?? '', /nope/);
      assert.equal((await t.json<Problem>(`/workbench/drafts/${body.id}/steps/nope/run-to-here`, { method: 'POST' })).status, 404);

      const early = await t.json<Problem>(`/workbench/drafts/${body.id}/steps/up/run`, { method: 'POST' });
      assert.equal(early.status, 409);
      assert.equal(early.body.code, 'UPSTREAM_NOT_READY');
      assert.match(early.body.detail ?? '', /"gen" is missing/);

      const notAResult = await t.json<Problem>(`/workbench/drafts/${body.id}/steps/up/select`, { method: 'POST', body: JSON.stringify({ jobId: 'no-such-job' }) });
      assert.equal(notAResult.status, 422);
      assert.deepEqual(notAResult.body.errors?.map((e) => e.field), ['jobId']);
    });
  });
}
