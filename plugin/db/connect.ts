// Opens the database: a Knex instance given by the host, a Knex config, or by default an
// SQLite file. SQLite runs in WAL mode with a busy timeout so a host process can keep
// writing to the same file while Media Lab works.
import knexFactory, { type Knex } from 'knex';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export type DatabaseOption = Knex | Knex.Config | string;

export function isKnex(value: unknown): value is Knex {
  return typeof value === 'function' && typeof (value as Knex).raw === 'function' && 'client' in (value as object);
}

export function clientName(knex: Knex): 'sqlite' | 'pg' {
  const name = String((knex.client as { config?: { client?: unknown } }).config?.client ?? '');
  return /pg|postgres/i.test(name) ? 'pg' : 'sqlite';
}

/** `postgres://...` opens PostgreSQL; anything else is an SQLite file path. */
export function configFromString(value: string): Knex.Config {
  if (/^postgres(ql)?:\/\//.test(value)) {
    return { client: 'pg', connection: value, pool: { min: 0, max: 10 } };
  }
  const filename = value === ':memory:' ? value : resolve(value);
  if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
  return { client: 'better-sqlite3', connection: { filename }, useNullAsDefault: true };
}

export function openDatabase(option: DatabaseOption): { knex: Knex; owned: boolean } {
  if (isKnex(option)) return { knex: option, owned: false };
  const config = typeof option === 'string' ? configFromString(option) : option;
  const isSqlite = /sqlite/i.test(String(config.client ?? ''));
  const finalConfig: Knex.Config = isSqlite
    ? {
        useNullAsDefault: true,
        ...config,
        pool: {
          min: 1,
          max: 1,
          afterCreate(conn: { pragma(sql: string): unknown }, done: (err: Error | null, conn: unknown) => void) {
            // The wait for a lock first, so every pragma and statement after it waits too.
            conn.pragma('busy_timeout = 5000');
            conn.pragma('journal_mode = WAL');
            conn.pragma('foreign_keys = ON');
            conn.pragma('synchronous = NORMAL');
            done(null, conn);
          },
          ...(config.pool ?? {}),
        },
      }
    : config;
  return { knex: knexFactory(finalConfig), owned: true };
}
