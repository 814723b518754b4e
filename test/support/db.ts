// Test databases: a fresh SQLite file per test, and (when MEDIA_LAB_TEST_PG is set) a fresh
// PostgreSQL schema per test on that server.
import knexFactory, { type Knex } from 'knex';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { migrateLatest } from '../../plugin/db/migrate.js';
import { tempDir } from './files.js';

export const PG_URL = process.env.MEDIA_LAB_TEST_PG || '';

export interface TestDatabase {
  name: 'sqlite' | 'postgres';
  /** A Knex config for this database (each call to open() is a new pool). */
  config: Knex.Config;
  /** A string the CLI and child processes accept (SQLite path or postgres URL with search_path). */
  url: string;
  open(): Knex;
  drop(): Promise<void>;
}

export function sqliteDatabase(): TestDatabase {
  const dir = tempDir('media-lab-db-');
  const filename = join(dir, 'test.sqlite');
  const config: Knex.Config = { client: 'better-sqlite3', connection: { filename }, useNullAsDefault: true };
  return { name: 'sqlite', config, url: filename, open: () => knexFactory(config), drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

export async function postgresDatabase(): Promise<TestDatabase> {
  const schema = `ml_test_${randomBytes(5).toString('hex')}`;
  const admin = knexFactory({ client: 'pg', connection: PG_URL });
  await admin.raw(`CREATE SCHEMA ${schema}`);
  await admin.destroy();
  const url = new URL(PG_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const config: Knex.Config = { client: 'pg', connection: { connectionString: url.toString() }, searchPath: [schema], pool: { min: 0, max: 8 } };
  return {
    name: 'postgres',
    config,
    url: url.toString(),
    open: () => knexFactory(config),
    drop: async () => {
      const k = knexFactory({ client: 'pg', connection: PG_URL });
      await k.raw(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await k.destroy();
    },
  };
}

/** The databases a suite should run against: SQLite always, PostgreSQL when configured. */
export const DATABASES: Array<{ name: 'sqlite' | 'postgres'; create: () => Promise<TestDatabase> }> = [
  { name: 'sqlite', create: async () => sqliteDatabase() },
  ...(PG_URL ? [{ name: 'postgres' as const, create: postgresDatabase }] : []),
];

/** An open SQLite database with Media Lab's tables, for tests that use the stores without a lab. */
export async function createTestDb(): Promise<{ knex: Knex; dir: string; destroy(): Promise<void> }> {
  const db = sqliteDatabase();
  const knex = db.open();
  await migrateLatest(knex);
  return {
    knex,
    dir: dirname(db.url),
    async destroy() {
      await knex.destroy();
      await db.drop();
    },
  };
}
