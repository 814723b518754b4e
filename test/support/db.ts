// Test databases: a fresh SQLite file per test, and (when MEDIA_LAB_TEST_PG is set) a fresh
// PostgreSQL schema per test on that server.
import knexFactory, { type Knex } from 'knex';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { migrateLatest } from '../../plugin/db/migrate.js';
import { configFromString } from '../../plugin/db/connect.js';
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

/** Why the PostgreSQL suites do not run here, or '' when they do (MEDIA_LAB_TEST_PG is set). */
export const POSTGRES_NOT_RUN = PG_URL ? '' : 'not run: no PostgreSQL configured (set MEDIA_LAB_TEST_PG=postgres://user:pass@host:5432/db to run it)';

export interface DatabaseTarget {
  name: 'sqlite' | 'postgres';
  create: () => Promise<TestDatabase>;
  /**
   * Mocha's describe for this database. On a database that is not configured, the suite is
   * listed with one pending test whose title says how to run it, and its body is never called:
   * neither a passing test that asserts nothing nor a suite that silently vanishes.
   */
  describe(title: string, body: (this: Mocha.Suite) => void): Mocha.Suite;
}

function target(name: DatabaseTarget['name'], create: () => Promise<TestDatabase>, notRun: string): DatabaseTarget {
  return {
    name,
    create,
    // describe is mocha's global, looked up at call time (bench/ imports this file without mocha).
    describe: (title, body) => (notRun ? describe(title, () => void it(notRun)) : describe(title, body)),
  };
}

/**
 * The databases every suite that runs on both is declared for, with `target.describe`:
 *   for (const target of DATABASES) target.describe(`... on ${target.name}`, function () { ... });
 * SQLite always runs; PostgreSQL when MEDIA_LAB_TEST_PG is set, otherwise it shows as pending.
 */
export const DATABASES: readonly DatabaseTarget[] = [
  target('sqlite', async () => sqliteDatabase(), ''),
  target('postgres', postgresDatabase, POSTGRES_NOT_RUN),
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

/**
 * The Knex config a child process opens from a TestDatabase's connection string: a postgres URL
 * carries its schema in `options=-c search_path=...`, which Knex wants as `searchPath`.
 */
export function childDatabaseConfig(database: string): Knex.Config {
  const config = configFromString(database);
  if (database.startsWith('postgres')) {
    const searchPath = new URL(database).searchParams.get('options')?.match(/search_path=(\S+)/)?.[1];
    if (searchPath) config.searchPath = [searchPath];
  }
  return config;
}
