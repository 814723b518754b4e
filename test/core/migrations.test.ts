import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { DATABASES } from '../support/db.js';
import { migrateLatest, migrateRollback } from '../../plugin/db/migrate.js';

const CORE_MIGRATIONS = ['0001_core', '0002_artifact_attempt', '0003_idempotency_fingerprint', '0004_chains', '0005_step_output_role', '0007_workbench'];
const CORE_TABLES = ['media_jobs', 'media_artifacts', 'media_job_events', 'media_presets'];

for (const target of DATABASES) {
  target.describe(`migrations on ${target.name}`, () => {
    it('migrate:latest creates the core tables and rollback removes them; both are repeatable', async () => {
      const db = await target.create();
      const knex = db.open();
      try {
        assert.deepEqual(await migrateLatest(knex), CORE_MIGRATIONS);
        for (const table of CORE_TABLES) assert.ok(await knex.schema.hasTable(table), `${table} exists`);
        assert.ok(await knex.schema.hasColumn('media_jobs', 'lease_expires_at'));
        assert.ok(await knex.schema.hasColumn('media_artifacts', 'parent_ids'));
        assert.ok(await knex.schema.hasColumn('media_artifacts', 'attempt'), 'outputs know the attempt that recorded them');
        assert.ok(await knex.schema.hasColumn('media_jobs', 'idempotency_fingerprint'));
        assert.deepEqual(await migrateLatest(knex), [], 'second run applies nothing');
        assert.deepEqual((await migrateRollback(knex)).sort(), CORE_MIGRATIONS);
        for (const table of CORE_TABLES) assert.equal(await knex.schema.hasTable(table), false, `${table} dropped`);
        assert.deepEqual(await migrateLatest(knex), CORE_MIGRATIONS, 'up again after down');
      } finally {
        await knex.destroy();
        await db.drop();
      }
    });

    it('the CLI runs migrate and migrate:rollback against the same database', async () => {
      const db = await target.create();
      try {
        const run = (...args: string[]) =>
          spawnSync(process.execPath, ['--import', 'tsx', 'plugin/cli/run.ts', ...args, '--db', db.url], { encoding: 'utf8', cwd: process.cwd() });
        const up = run('migrate');
        assert.equal(up.status, 0, up.stderr);
        assert.match(up.stdout, /applied: 0001_core, 0002_artifact_attempt, 0003_idempotency_fingerprint, 0004_chains, 0005_step_output_role, 0007_workbench/);
        const down = run('migrate:rollback', '--yes');
        assert.equal(down.status, 0, down.stderr);
        assert.match(down.stdout, /rolled back: (.*, )?0001_core/);
      } finally {
        await db.drop();
      }
    });
  });
}
