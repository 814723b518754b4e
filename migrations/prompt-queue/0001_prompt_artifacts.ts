// Host schema for the prompt-queue adapter: the prompt_artifacts table, and artifact_status /
// artifact_metadata on the host's prompts table. Table and column names come from the
// adapter's options. Up and down keep every existing prompt row: columns are added and dropped
// in place (ALTER TABLE), never by rebuilding the host's table.
import type { Knex } from 'knex';

export interface PromptArtifactsNames {
  table: string;
  artifactsTable: string;
  columns: { id: string; promptType: string; artifactStatus: string; artifactMetadata: string };
}

const indexName = (names: PromptArtifactsNames) => `${names.table.replace(/\W/g, '_')}_${names.columns.artifactStatus}_idx`;

/** The host's id column decides the type of prompt_artifacts.prompt_id (the foreign key must match). */
async function promptIdType(knex: Knex, names: PromptArtifactsNames): Promise<'integer' | 'bigInteger' | 'string'> {
  const info = (await knex(names.table).columnInfo(names.columns.id)) as unknown as { type?: string } | undefined;
  const type = String(info?.type ?? '').toLowerCase();
  if (type.includes('bigint') || type === 'int8') return 'bigInteger';
  if (type.includes('int') || type === 'serial') return 'integer';
  return 'string';
}

export async function up(knex: Knex, names: PromptArtifactsNames): Promise<void> {
  if (!(await knex.schema.hasTable(names.table))) {
    throw new Error(`The host table "${names.table}" does not exist: create it first, or set the prompt-queue "table" option to the table that holds the prompts.`);
  }
  const { artifactStatus, artifactMetadata, promptType, id } = names.columns;
  for (const column of [id, promptType]) {
    if (!(await knex.schema.hasColumn(names.table, column))) {
      throw new Error(`The host table "${names.table}" has no "${column}" column: set the prompt-queue "columns" option to the host's names.`);
    }
  }
  await knex.schema.alterTable(names.table, (t) => {
    t.string(artifactStatus, 16).nullable().defaultTo('pending');
    t.text(artifactMetadata).nullable();
  });
  // Existing media prompts wait for media; text prompts never get any.
  await knex(names.table).whereNot(promptType, 'text').update({ [artifactStatus]: 'pending' });
  await knex(names.table).where(promptType, 'text').update({ [artifactStatus]: null });
  await knex.schema.alterTable(names.table, (t) => t.index([artifactStatus, promptType], indexName(names)));

  const idType = await promptIdType(knex, names);
  await knex.schema.createTable(names.artifactsTable, (t) => {
    t.increments('id').primary();
    const promptId = idType === 'string' ? t.string('prompt_id', 255) : idType === 'bigInteger' ? t.bigInteger('prompt_id') : t.integer('prompt_id');
    promptId.notNullable().references(id).inTable(names.table).onDelete('CASCADE');
    t.string('artifact_type', 16).notNullable(); // image | audio | thumbnail | waveform
    t.string('file_path', 1000).notNullable();
    t.string('preview_path', 1000).nullable();
    t.text('metadata').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.index(['prompt_id'], `${names.artifactsTable.replace(/\W/g, '_')}_prompt_idx`);
    t.index(['created_at'], `${names.artifactsTable.replace(/\W/g, '_')}_created_idx`);
    t.index(['file_path'], `${names.artifactsTable.replace(/\W/g, '_')}_file_idx`);
  });
}

export async function down(knex: Knex, names: PromptArtifactsNames): Promise<void> {
  await knex.schema.dropTableIfExists(names.artifactsTable);
  await knex.schema.alterTable(names.table, (t) => t.dropIndex([names.columns.artifactStatus, names.columns.promptType], indexName(names)));
  // Plain ALTER TABLE ... DROP COLUMN on both databases (SQLite >= 3.35): Knex's SQLite
  // fallback would rebuild the host's table, which could fire its foreign keys.
  for (const column of [names.columns.artifactMetadata, names.columns.artifactStatus]) {
    await knex.raw('ALTER TABLE ?? DROP COLUMN ??', [names.table, column]);
  }
}
