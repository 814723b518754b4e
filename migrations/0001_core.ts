// Core schema: jobs, artifacts, the audit trail and the preset store.
// The same file runs on SQLite (default) and PostgreSQL (scale-out).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('media_jobs', (t) => {
    t.string('id', 36).primary();
    t.string('workflow', 32).notNullable();
    t.string('preset_name', 200);
    t.integer('preset_version');
    t.string('preset_hash', 64);
    t.text('params').notNullable().defaultTo('{}');
    t.text('input_ids').notNullable().defaultTo('[]');
    t.string('status', 16).notNullable();
    t.double('progress').notNullable().defaultTo(0);
    t.string('stage', 500);
    t.integer('priority').notNullable().defaultTo(0);
    t.integer('attempts').notNullable().defaultTo(0);
    t.integer('max_attempts').notNullable().defaultTo(3);
    t.timestamp('run_after', { useTz: true }).notNullable();
    t.string('lease_owner', 200);
    t.timestamp('lease_expires_at', { useTz: true });
    t.timestamp('cancel_requested_at', { useTz: true });
    t.string('error_code', 64);
    t.text('error_message');
    t.string('submitted_by', 200).notNullable();
    t.string('idempotency_key', 200);
    t.string('source', 32).notNullable().defaultTo('lab');
    t.string('source_ref', 200);
    t.string('backend', 200);
    t.text('checkpoint').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('started_at', { useTz: true });
    t.timestamp('finished_at', { useTz: true });
    t.timestamp('updated_at', { useTz: true }).notNullable();
    // The claim path: oldest runnable QUEUED job of a kind, highest priority first.
    t.index(['status', 'workflow', 'priority', 'run_after'], 'media_jobs_claim_idx');
    t.index(['status', 'created_at'], 'media_jobs_status_created_idx');
    t.index(['created_at'], 'media_jobs_created_idx');
    // Listing pages order by id (time-ordered), filtered by status and/or workflow.
    t.index(['status', 'id'], 'media_jobs_status_id_idx');
    t.index(['workflow', 'status', 'id'], 'media_jobs_workflow_status_id_idx');
    t.index(['status', 'lease_expires_at'], 'media_jobs_lease_idx');
    t.index(['submitted_by', 'created_at'], 'media_jobs_submitter_idx');
    t.index(['updated_at'], 'media_jobs_updated_idx');
    t.unique(['submitted_by', 'idempotency_key'], { indexName: 'media_jobs_idempotency_uq' });
  });

  await knex.schema.createTable('media_artifacts', (t) => {
    t.string('id', 36).primary();
    t.string('job_id', 36).references('id').inTable('media_jobs').onDelete('CASCADE');
    t.string('role', 16).notNullable();
    t.string('kind', 16).notNullable();
    t.string('storage_key', 500).notNullable();
    t.string('sha256', 64).notNullable();
    t.bigInteger('bytes').notNullable();
    t.string('mime', 100).notNullable();
    t.integer('width');
    t.integer('height');
    t.double('duration');
    t.double('fps');
    t.integer('sample_rate');
    t.text('metadata').notNullable().defaultTo('{}');
    t.text('parent_ids').notNullable().defaultTo('[]');
    t.boolean('published').notNullable().defaultTo(false);
    t.string('created_by', 200);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['job_id'], 'media_artifacts_job_idx');
    t.index(['sha256'], 'media_artifacts_sha_idx');
    t.index(['storage_key'], 'media_artifacts_key_idx');
    t.index(['published', 'created_at'], 'media_artifacts_gallery_idx');
  });

  await knex.schema.createTable('media_job_events', (t) => {
    t.increments('id').primary();
    t.string('job_id', 36).notNullable().references('id').inTable('media_jobs').onDelete('CASCADE');
    t.timestamp('at', { useTz: true }).notNullable();
    t.string('actor', 200).notNullable();
    t.string('type', 64).notNullable();
    t.string('from_status', 16);
    t.string('to_status', 16);
    t.text('details').notNullable().defaultTo('{}');
    t.index(['job_id', 'id'], 'media_job_events_job_idx');
  });

  await knex.schema.createTable('media_presets', (t) => {
    t.string('id', 36).primary();
    t.string('name', 200).notNullable();
    t.integer('version').notNullable();
    t.string('hash', 64).notNullable();
    t.string('kind', 32).notNullable();
    t.text('definition').notNullable();
    t.text('parameters').notNullable().defaultTo('{}');
    t.string('source', 32).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.unique(['name', 'version'], { indexName: 'media_presets_name_version_uq' });
    t.unique(['name', 'hash'], { indexName: 'media_presets_name_hash_uq' });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('media_presets');
  await knex.schema.dropTableIfExists('media_job_events');
  await knex.schema.dropTableIfExists('media_artifacts');
  await knex.schema.dropTableIfExists('media_jobs');
}
