// The workbench: an admin's drafts (an editable chain definition, the chain input values, the
// selected result of each step, the current "run to here" / "run all") and the results each
// step's runs made (job id plus a snapshot of the draft-side inputs; the job row holds the rest).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('media_workbench_drafts', (t) => {
    t.string('id', 36).primary();
    t.string('owner', 200).notNullable();
    t.string('name', 200).notNullable();
    t.text('definition').notNullable();
    t.text('input_values').notNullable().defaultTo('{}');
    t.text('selections').notNullable().defaultTo('{}');
    t.text('run');
    t.string('run_status', 16);
    // The server going on with the draft's run now (one at a time, across servers), and until when.
    t.string('run_lease_owner', 200);
    t.timestamp('run_lease_until', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.index(['owner'], 'media_workbench_drafts_owner_idx');
    t.index(['run_status'], 'media_workbench_drafts_run_idx');
  });
  await knex.schema.createTable('media_workbench_results', (t) => {
    t.string('job_id', 36).primary();
    t.string('draft_id', 36).notNullable();
    t.string('step_id', 64).notNullable();
    t.text('snapshot').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['draft_id', 'step_id'], 'media_workbench_results_step_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('media_workbench_results');
  await knex.schema.dropTableIfExists('media_workbench_drafts');
}
