// Which attempt of its job recorded an output: a job's success publishes only the outputs of the
// attempt that succeeded, never those a dead attempt left behind. Older unpublished rows carry
// the attempt in their metadata; it is copied into the column.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('media_artifacts', (t) => {
    t.integer('attempt');
    t.index(['job_id', 'attempt'], 'media_artifacts_job_attempt_idx');
  });
  const rows = (await knex('media_artifacts').select('id', 'metadata').whereNotNull('job_id').where('published', false)) as Array<{ id: string; metadata: string }>;
  for (const row of rows) {
    let attempt: unknown;
    try {
      attempt = (JSON.parse(row.metadata) as { attempt?: unknown }).attempt;
    } catch {
      continue;
    }
    if (typeof attempt === 'number' && Number.isInteger(attempt)) await knex('media_artifacts').where({ id: row.id }).update({ attempt });
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('media_artifacts', (t) => {
    t.dropIndex(['job_id', 'attempt'], 'media_artifacts_job_attempt_idx');
    t.dropColumn('attempt');
  });
}
