// The ordered list of core migrations. Listed statically (rather than read from a folder) so
// they run the same from TypeScript sources, from the compiled dist/ and inside a bundle.
import type { Knex } from 'knex';
import * as core0001 from './0001_core.js';
import * as core0002 from './0002_artifact_attempt.js';
import * as core0003 from './0003_idempotency_fingerprint.js';
import * as core0004 from './0004_chains.js';
import * as core0005 from './0005_step_output_role.js';
import * as core0007 from './0007_workbench.js';

export interface NamedMigration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

export const coreMigrations: NamedMigration[] = [
  { name: '0001_core', ...core0001 },
  { name: '0002_artifact_attempt', ...core0002 },
  { name: '0003_idempotency_fingerprint', ...core0003 },
  { name: '0004_chains', ...core0004 },
  { name: '0005_step_output_role', ...core0005 },
  { name: '0007_workbench', ...core0007 },
];
