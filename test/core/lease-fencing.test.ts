import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { recordOutput } from '../../plugin/artifacts/outputs.js';
import type { KindDefinition } from '../../plugin/core/types.js';
import { claimNextJob, confirmLease, expireLease, heartbeat, saveCheckpoint, setBackend, updateProgress } from '../../plugin/jobs/claim.js';
import { getJob } from '../../plugin/jobs/store.js';
import { transition } from '../../plugin/jobs/transition.js';
import { DATABASES } from '../support/db.js';
import { silentLogger, startTestLab, waitForStatus, type TestLab } from '../support/lab.js';

/** Records one output whose bytes name the attempt that made them. */
const outputKind: KindDefinition<Record<string, never>> = {
  kind: 'voice',
  description: 'records one output per attempt',
  paramsSchema: z.object({}).strict() as unknown as z.ZodType<Record<string, never>>,
  inputs: { min: 0, max: 0, kinds: ['audio'] },
  executor: {
    async run(ctx) {
      const path = join(ctx.tempDir, 'out.wav');
      await writeFile(path, `made by attempt ${ctx.job.attempts}`);
      await ctx.addOutput({ path, facts: { kind: 'audio', mime: 'audio/wav' } });
      return {};
    },
  },
};

async function submit(t: TestLab): Promise<string> {
  const { status, body } = await t.json<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'voice', params: {} }) });
  assert.equal(status, 202, JSON.stringify(body));
  return body.id;
}

for (const target of DATABASES) {
  target.describe(`lease fencing on ${target.name}`, function () {
    this.timeout(30_000);

    it('a success publishes only its own attempt\'s outputs, never those a dead attempt left when its sweeper died between two steps', async () => {
      const t = await startTestLab({ db: await target.create(), kinds: [outputKind], worker: { enabled: false } });
      try {
        const id = await submit(t);
        // Attempt 1 records an output, then its worker dies.
        const dead = (await claimNextJob(t.knex, { owner: 'dead', kinds: ['voice'], leaseMs: 60_000 }))!;
        const path = join(t.dataDir, 'dead.wav');
        await writeFile(path, 'made by the dead attempt');
        const lease = { owner: 'dead', attempt: dead.attempts };
        const stale = await recordOutput(t.knex, t.lab.storage, dead, { path, facts: { kind: 'audio', mime: 'audio/wav' } }, (trx) => confirmLease(trx, id, lease));
        // The crash state: a sweeper requeued the job and died before deleting that output.
        await transition(t.knex, { id, from: ['RUNNING'], to: 'QUEUED', actor: 'worker:sweeper', type: 'lease-expired', leaseOwner: 'dead' });
        const { Worker } = await import('../../plugin/worker/worker.js');
        const worker = new Worker({ knex: t.knex, storage: t.lab.storage, bus: t.lab.events, kinds: t.lab.kinds, options: t.lab.options, log: silentLogger });
        worker.start();
        try {
          await waitForStatus(t, id, ['SUCCEEDED']);
        } finally {
          await worker.stop();
        }
        const rows = (await t.knex('media_artifacts').where({ job_id: id })) as Array<{ id: string; published: unknown; attempt: number; storage_key: string }>;
        assert.deepEqual(rows.map((r) => [Boolean(r.published), Number(r.attempt)]), [[true, 2]], 'one published output, the winning attempt\'s; the dead one\'s row is gone');
        assert.equal(await readFile(t.lab.storage.pathOf(rows[0].storage_key), 'utf8'), 'made by attempt 2');
        await assert.rejects(readFile(t.lab.storage.pathOf(stale.storageKey)), 'the dead attempt\'s file is removed too');
      } finally {
        await t.close();
      }
    });

    it('every write of an attempt is fenced by owner and attempt: an old attempt of a same-named worker writes nothing', async () => {
      const t = await startTestLab({ db: await target.create(), kinds: [outputKind], worker: { enabled: false } });
      try {
        const id = await submit(t);
        const first = (await claimNextJob(t.knex, { owner: 'w', kinds: ['voice'], leaseMs: 60_000 }))!;
        await transition(t.knex, { id, from: ['RUNNING'], to: 'QUEUED', actor: 'worker:w', type: 'lease-expired', leaseOwner: 'w' });
        // The same worker name (a restarted `media-lab worker --name w`) claims attempt 2.
        const second = (await claimNextJob(t.knex, { owner: 'w', kinds: ['voice'], leaseMs: 60_000 }))!;
        const old = { owner: 'w', attempt: first.attempts };
        assert.deepEqual(await heartbeat(t.knex, id, old, 60_000), { held: false, cancelRequested: false });
        assert.equal(await updateProgress(t.knex, id, old, 0.9, 'old attempt'), false);
        assert.equal(await saveCheckpoint(t.knex, id, old, { from: 'old attempt' }), false);
        assert.equal(await setBackend(t.knex, id, old, 'old-backend'), false);
        const path = join(t.dataDir, 'old.wav');
        await writeFile(path, 'made by the old attempt');
        await assert.rejects(
          recordOutput(t.knex, t.lab.storage, first, { path, facts: { kind: 'audio', mime: 'audio/wav' } }, (trx) => confirmLease(trx, id, old)),
          (error: Error & { reason?: string }) => error.reason === 'lease-lost',
        );
        assert.deepEqual(await t.knex('media_artifacts').where({ job_id: id }), [], 'no row');
        const job = (await getJob(t.knex, id))!;
        assert.equal(job.progress, 0);
        assert.deepEqual(job.checkpoint, {});
        assert.equal(job.backend, null);
        const current = { owner: 'w', attempt: second.attempts };
        assert.equal(await updateProgress(t.knex, id, current, 0.5, 'current attempt'), true);
        assert.equal((await heartbeat(t.knex, id, current, 60_000)).held, true);
      } finally {
        await t.close();
      }
    });

    it('the lease sweep is one transaction, guarded by the expired lease: the job moves and the dead outputs go together', async () => {
      const t = await startTestLab({ db: await target.create(), kinds: [outputKind], worker: { enabled: false } });
      try {
        const id = await submit(t);
        const dead = (await claimNextJob(t.knex, { owner: 'dead', kinds: ['voice'], leaseMs: 60_000 }))!;
        const path = join(t.dataDir, 'dead.wav');
        await writeFile(path, 'made by the dead attempt');
        await recordOutput(t.knex, t.lab.storage, dead, { path, facts: { kind: 'audio', mime: 'audio/wav' } }, (trx) => confirmLease(trx, id, { owner: 'dead', attempt: 1 }));
        const running = (await getJob(t.knex, id))!;
        assert.equal(await expireLease(t.knex, running, 'worker:sweeper'), null, 'a lease that has not run out is not taken');
        await t.knex('media_jobs').where({ id }).update({ lease_expires_at: new Date(Date.now() - 1000).toISOString() });
        const expired = (await expireLease(t.knex, (await getJob(t.knex, id))!, 'worker:sweeper'))!;
        assert.equal(expired.job.status, 'QUEUED');
        assert.equal(expired.discarded.length, 1);
        assert.deepEqual(await t.knex('media_artifacts').where({ job_id: id }), []);
        assert.equal(await expireLease(t.knex, running, 'worker:sweeper'), null, 'a second sweeper finds nothing to do');
      } finally {
        await t.close();
      }
    });
  });
}
