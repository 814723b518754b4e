import assert from 'node:assert/strict';
import knexFactory from 'knex';
import { DATABASES } from '../support/db.js';
import { createHostTables, insertPrompts } from '../support/prompt-queue-host.js';
import { migrateLatest, migrateRollback } from '../../plugin/db/migrate.js';
import { parsePromptQueueOptions, promptQueueMigrationSet } from '../../plugin/prompt-queue/index.js';

const set = promptQueueMigrationSet(parsePromptQueueOptions());

for (const target of DATABASES) {
  target.describe(`prompt-queue host migrations on ${target.name}`, () => {
    it('apply and roll back on a prompts table that holds rows, without losing any', async () => {
      const db = await target.create();
      const knex = db.open();
      try {
        if (target.name === 'sqlite') await knex.raw('PRAGMA foreign_keys = ON'); // a rebuild of prompts would cascade into prompt_votes
        await createHostTables(knex);
        const ids = await insertPrompts(knex, [
          { prompt_type: 'text', prompt_text: 't1', status: 'completed' },
          { prompt_type: 'image', prompt_text: 'i1' },
          { prompt_type: 'music', prompt_text: 'm1', status: 'completed' },
          { prompt_type: 'voice', prompt_text: 'v1', status: 'failed' },
        ]);
        await knex('prompt_votes').insert(ids.map((id) => ({ prompt_id: id, value: 1 })));
        const before = (await knex('prompts').orderBy('id')) as Array<Record<string, unknown>>;

        assert.deepEqual(await migrateLatest(knex, set), ['0001_prompt_artifacts']);
        assert.ok(await knex.schema.hasTable('prompt_artifacts'));
        assert.ok(await knex.schema.hasTable('media_lab_prompt_queue_migrations'), 'its own bookkeeping table');
        const migrated = (await knex('prompts').orderBy('id')) as Array<Record<string, unknown>>;
        assert.deepEqual(
          migrated.map((r) => [r.prompt_type, r.artifact_status, r.artifact_metadata]),
          [['text', null, null], ['image', 'pending', null], ['music', 'pending', null], ['voice', 'pending', null]],
          'existing media prompts backfilled as pending',
        );
        const [fresh] = await insertPrompts(knex, [{ prompt_type: 'image', prompt_text: 'new' }]);
        assert.equal((await knex('prompts').where({ id: fresh }).first()).artifact_status, 'pending', 'the default for new prompts');
        await knex('prompt_artifacts').insert({ prompt_id: ids[1], artifact_type: 'image', file_path: 'objects/aa/x.png', metadata: '{}', created_at: new Date().toISOString(), updated_at: new Date().toISOString() });
        assert.deepEqual(await migrateLatest(knex, set), [], 'a second run applies nothing');

        assert.deepEqual(await migrateRollback(knex, {}, set), ['0001_prompt_artifacts']);
        assert.equal(await knex.schema.hasTable('prompt_artifacts'), false);
        assert.equal(await knex.schema.hasColumn('prompts', 'artifact_status'), false);
        assert.equal(await knex.schema.hasColumn('prompts', 'artifact_metadata'), false);
        const after = (await knex('prompts').orderBy('id')) as Array<Record<string, unknown>>;
        assert.equal(after.length, before.length + 1, 'no prompt lost');
        assert.deepEqual(
          after.slice(0, before.length).map((r) => JSON.stringify(r)),
          before.map((r) => JSON.stringify(r)),
          'every original row intact',
        );
        assert.equal(Number(((await knex('prompt_votes').count({ n: '*' }).first()) as { n: number | string }).n), ids.length, 'child rows intact');

        assert.deepEqual(await migrateLatest(knex, set), ['0001_prompt_artifacts'], 'up again after down');
      } finally {
        await knex.destroy();
        await db.drop();
      }
    });

    it('names the missing host table instead of creating one', async () => {
      const db = await target.create();
      const quiet = { warn: () => undefined, error: () => undefined, debug: () => undefined, deprecate: () => undefined };
      const knex = knexFactory({ ...db.config, log: quiet }); // knex would print the (expected) migration failure
      try {
        await assert.rejects(migrateLatest(knex, set), /host table "prompts" does not exist/);
      } finally {
        await knex.destroy();
        await db.drop();
      }
    });
  });
}
