// A chain step's outputs are `intermediate` artifacts unless the step is one of the chain's
// outputs: the role is decided when the step is queued and kept on its job row, so the worker
// records each output with its final role (visible as such the moment the step succeeds).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('media_jobs', (t) => {
    t.string('output_role', 16);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('media_jobs', (t) => {
    t.dropColumn('output_role');
  });
}
