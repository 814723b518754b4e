// The prompt-queue adapter's host-schema migrations, in their own bookkeeping table so they
// never mix with Media Lab's core migrations or the host's knex_migrations.
import type { NamedMigration } from '../index.js';
import * as promptArtifacts0001 from './0001_prompt_artifacts.js';
import type { PromptArtifactsNames } from './0001_prompt_artifacts.js';

export type { PromptArtifactsNames };

export interface PromptQueueMigrationNames extends PromptArtifactsNames {
  migrationsTable: string;
}

export function promptQueueMigrations(names: PromptArtifactsNames): NamedMigration[] {
  return [
    {
      name: '0001_prompt_artifacts',
      up: (knex) => promptArtifacts0001.up(knex, names),
      down: (knex) => promptArtifacts0001.down(knex, names),
    },
  ];
}
