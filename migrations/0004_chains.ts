// Chains and reuse: a step job points at its chain job (`parent_job_id`, `step_id`); a job's
// `run_key` (sha256 of workflow, preset hash, params with their seed and input sha256s) finds an
// earlier successful run whose outputs can be reused (`reused_from_job_id`); `lane` keeps
// workbench runs apart from production.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('media_jobs', (t) => {
    t.string('parent_job_id', 36);
    t.string('step_id', 64);
    t.string('run_key', 64);
    t.string('reused_from_job_id', 36);
    t.string('lane', 32);
    t.index(['parent_job_id'], 'media_jobs_parent_idx');
    t.index(['run_key', 'status'], 'media_jobs_run_key_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('media_jobs', (t) => {
    t.dropIndex(['run_key', 'status'], 'media_jobs_run_key_idx');
    t.dropIndex(['parent_job_id'], 'media_jobs_parent_idx');
    t.dropColumn('lane');
    t.dropColumn('reused_from_job_id');
    t.dropColumn('run_key');
    t.dropColumn('step_id');
    t.dropColumn('parent_job_id');
  });
}
