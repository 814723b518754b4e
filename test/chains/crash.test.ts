// A worker killed (SIGKILL) in the middle of a chain loses nothing: the step it ran is taken
// back when its lease runs out and runs again on another worker; the steps that had finished
// are kept; the chain goes on from there and ends with its outputs.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import type { JobDetail, Job } from '../../contract/job.js';
import { DATABASES } from '../support/db.js';
import { createRunsTable, relayKind } from '../support/chain-kinds.js';
import { startTestLab, waitFor, type TestLab } from '../support/lab.js';

function spawnWorker(db: string, dataDir: string, name: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/chain-worker-process.ts', db, dataDir, name], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (String(chunk).includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker ${name} exited early (${code})`)));
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

for (const target of DATABASES) {
  target.describe(`a chain whose worker is killed on ${target.name}`, function () {
    this.timeout(120_000);
    let t: TestLab;

    before(async () => {
      // This process submits and reads (its chain engine runs too); the workers are child processes.
      t = await startTestLab({ db: await target.create(), worker: { enabled: false } });
      t.lab.kinds.register(relayKind(() => t.knex, 'test'));
      await createRunsTable(t.knex);
    });
    after(async () => t.close());

    it('resumes from its finished steps after SIGKILL', async () => {
      const dataDir = t.dataDir;
      const published = await t.json('/chains', {
        method: 'POST',
        body: JSON.stringify({
          name: 'relay',
          steps: [
            { id: 'a', workflow: 'voice', params: { tag: 'a' } },
            { id: 'b', workflow: 'voice', params: { tag: 'b', hold: true }, inputs: { x: { from: 'a.output' } } },
            { id: 'c', workflow: 'voice', params: { tag: 'c' }, inputs: { x: { from: 'b.output' } } },
          ],
        }),
      });
      assert.equal(published.status, 201, JSON.stringify(published.body));
      const { body } = await t.json<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'chain', preset: 'relay' }) });
      const steps = async () => {
        const list = (await t.json<{ items: Job[] }>(`/jobs?parentJobId=${body.id}`)).body.items;
        return Object.fromEntries(list.map((s) => [s.stepId, s])) as Record<string, Job>;
      };
      const first = await spawnWorker(t.db.url, dataDir, 'w1');
      let second: ChildProcess | null = null;
      try {
        const b = (await steps()).b;
        await waitFor(() => t.knex('test_runs').where({ job_id: b.id, phase: 'start' }).first(), 'step b to start on w1');
        const before = await steps();
        assert.equal(before.a.status, 'SUCCEEDED');
        assert.equal(before.b.status, 'RUNNING');
        const aOutputs = (await t.json<JobDetail>(`/jobs/${before.a.id}`)).body.outputs.map((o) => o.id);
        first.kill('SIGKILL');
        await exited(first);

        second = await spawnWorker(t.db.url, dataDir, 'w2');
        const chain = await waitFor(async () => {
          const detail = (await t.json<JobDetail>(`/jobs/${body.id}`)).body;
          return ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(detail.status) ? detail : null;
        }, 'the chain to end', 60_000);
        assert.equal(chain.status, 'SUCCEEDED', `${chain.errorCode}: ${chain.errorMessage}`);
        const after = await steps();
        const starts = async (id: string) => ((await t.knex('test_runs').where({ job_id: id, phase: 'start' })) as Array<{ worker: string }>).map((r) => r.worker);
        assert.deepEqual(await starts(after.a.id), ['w1'], 'a ran once');
        assert.deepEqual(await starts(after.b.id), ['w1', 'w2'], 'b ran again on the other worker');
        assert.deepEqual(await starts(after.c.id), ['w2'], 'c ran once, after b');
        assert.equal(after.b.attempts, 2);
        const aAfter = (await t.json<JobDetail>(`/jobs/${after.a.id}`)).body.outputs.map((o) => o.id);
        assert.deepEqual(aAfter, aOutputs, "a's outputs are kept");
        const cDetail = (await t.json<JobDetail>(`/jobs/${after.c.id}`)).body;
        assert.deepEqual(chain.outputs.map((o) => o.id), cDetail.outputs.map((o) => o.id));
        const bDetail = (await t.json<JobDetail>(`/jobs/${after.b.id}`)).body;
        assert.equal(bDetail.outputs.length, 1, 'only the winning attempt published');
        assert.equal(bDetail.outputs[0].role, 'intermediate');
      } finally {
        first.kill('SIGKILL');
        if (second) {
          second.kill('SIGTERM');
          await exited(second);
        }
      }
    });
  });
}
