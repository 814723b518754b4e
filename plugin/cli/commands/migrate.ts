// `media-lab migrate` and `media-lab migrate:rollback`: Media Lab's own tables.
import type { Knex } from 'knex';
import { openDatabase } from '../../db/connect.js';
import { migrateLatest, migrateRollback } from '../../db/migrate.js';
import type { ParsedArgs } from '../args.js';
import { commonOptions, DATABASE_OPTIONS, EXIT, YES_OPTION, type Command } from '../command.js';

async function withDatabase<T>(args: ParsedArgs, fn: (knex: Knex) => Promise<T>): Promise<T> {
  const { knex } = openDatabase(commonOptions(args).db);
  try {
    return await fn(knex);
  } finally {
    await knex.destroy();
  }
}

export const migrateCommand: Command = {
  name: 'migrate',
  aliases: ['migrate:latest'],
  summary: "apply Media Lab's migrations",
  synopsis: '[--db <file|url>]',
  options: DATABASE_OPTIONS,
  async run(args, log) {
    const applied = await withDatabase(args, (knex) => migrateLatest(knex));
    log.info(applied.length ? `applied: ${applied.join(', ')}` : 'already up to date');
    return EXIT.ok;
  },
};

export const migrateRollbackCommand: Command = {
  name: 'migrate:rollback',
  summary: 'roll back the last batch of migrations (or all of them): drops Media Lab tables and their rows',
  synopsis: '[--all] [--yes] [--db <file|url>]',
  options: [{ name: 'all', help: 'roll back every batch, not only the last' }, YES_OPTION, ...DATABASE_OPTIONS],
  destroys: (args) =>
    `Roll back ${args.flags.has('all') ? 'every' : 'the last'} batch of Media Lab migrations on ${commonOptions(args).db}? This drops Media Lab tables and every row in them.`,
  async run(args, log) {
    const rolled = await withDatabase(args, (knex) => migrateRollback(knex, { all: args.flags.has('all') }));
    log.info(rolled.length ? `rolled back: ${rolled.join(', ')}` : 'nothing to roll back');
    return EXIT.ok;
  },
};
