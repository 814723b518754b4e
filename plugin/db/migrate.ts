// Runs Media Lab's migrations with Knex's migrator, in our own bookkeeping tables so they
// never collide with the host's own `knex_migrations`.
import type { Knex } from 'knex';
import { coreMigrations, type NamedMigration } from '../../migrations/index.js';

export const MIGRATIONS_TABLE = 'media_lab_migrations';

class ListMigrationSource implements Knex.MigrationSource<NamedMigration> {
  constructor(private readonly list: NamedMigration[]) {}
  async getMigrations(): Promise<NamedMigration[]> {
    return this.list;
  }
  getMigrationName(migration: NamedMigration): string {
    return migration.name;
  }
  async getMigration(migration: NamedMigration): Promise<Knex.Migration> {
    return { up: migration.up, down: migration.down };
  }
}

export interface MigrationSet {
  tableName: string;
  migrations: NamedMigration[];
}

export const coreMigrationSet: MigrationSet = { tableName: MIGRATIONS_TABLE, migrations: coreMigrations };

function config(set: MigrationSet): Knex.MigratorConfig {
  return { tableName: set.tableName, migrationSource: new ListMigrationSource(set.migrations) };
}

/** Applies every pending migration; returns the names applied. */
export async function migrateLatest(knex: Knex, set: MigrationSet = coreMigrationSet): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest(config(set))) as [number, string[]];
  return applied;
}

/** Rolls back the last batch (or everything with `all`); returns the names rolled back. */
export async function migrateRollback(
  knex: Knex,
  options: { all?: boolean } = {},
  set: MigrationSet = coreMigrationSet,
): Promise<string[]> {
  const [, rolledBack] = (await knex.migrate.rollback(config(set), options.all ?? false)) as [number, string[]];
  return rolledBack;
}
