// The fingerprint (sha256 of the canonical JSON) of the body a job was submitted with under an
// Idempotency-Key: the same key with a different body is refused instead of replayed. Rows
// from before it have none, and replay as they did.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('media_jobs', (t) => {
    t.string('idempotency_fingerprint', 64);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('media_jobs', (t) => {
    t.dropColumn('idempotency_fingerprint');
  });
}
