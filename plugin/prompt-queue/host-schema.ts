// What the host's prompts table really has. Optional columns (processing_duration, the owner,
// completed_at...) are written only when they exist, and a duration goes in as whole seconds
// when the column is an integer.
import type { Knex } from 'knex';
import type { PromptQueueOptions } from './options.js';

export interface HostSchema {
  /** Optional columns present on the host table. */
  has: { errorMessage: boolean; completedAt: boolean; processingDuration: boolean; owner: boolean; metadata: boolean };
  durationIsInteger: boolean;
}

export class HostSchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HostSchemaError';
  }
}

export async function probeHostSchema(knex: Knex, options: PromptQueueOptions): Promise<HostSchema> {
  const { table, columns } = options;
  if (!(await knex.schema.hasTable(table))) {
    throw new HostSchemaError(`The host table "${table}" does not exist (prompt-queue option "table").`);
  }
  const info = (await knex(table).columnInfo()) as unknown as Record<string, { type?: string }>;
  const present = (name: string) => Object.prototype.hasOwnProperty.call(info, name);
  const required = [columns.id, columns.promptType, columns.promptText, ...(options.mediaOnly ? [] : [columns.status])];
  const missing = required.filter((name) => !present(name));
  if (missing.length) {
    throw new HostSchemaError(`The host table "${table}" lacks the column(s) ${missing.join(', ')}: set the prompt-queue "columns" option to the host's names.`);
  }
  if (!present(columns.artifactStatus) || !present(columns.artifactMetadata)) {
    throw new HostSchemaError(
      `The host table "${table}" has no ${columns.artifactStatus}/${columns.artifactMetadata} columns yet: run the prompt-queue migrations (adapter.migrate() or \`media-lab prompt-queue:migrate\`).`,
    );
  }
  const durationType = String(info[columns.processingDuration]?.type ?? '').toLowerCase();
  return {
    has: {
      errorMessage: present(columns.errorMessage),
      completedAt: present(columns.completedAt),
      processingDuration: present(columns.processingDuration),
      owner: present(columns.owner),
      metadata: present(columns.metadata),
    },
    durationIsInteger: /int|serial/.test(durationType),
  };
}
