// `media-lab <command>`: migrations, standalone workers, and a standalone server for hosts
// that are not Node. Exit codes: 0 ok, 1 failure, 2 bad usage.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createMediaLab, type MediaLab } from '../media-lab.js';
import { openDatabase } from '../db/connect.js';
import { migrateLatest, migrateRollback } from '../db/migrate.js';
import { flag, parseArgs, type ParsedArgs } from './args.js';
import { startStandaloneServer, tokenAuthenticate } from './serve.js';
import { OptionsError } from '../options.js';
import { EXTRA_USAGE, promptQueueForServe, runExtraCommand } from './extra-commands.js';

const USAGE = `Usage: media-lab <command> [options]

Commands:
  migrate                  apply Media Lab's migrations
  migrate:rollback [--all] roll back the last batch (or all of them)
  worker                   run job workers in this process against the database
  serve                    run the Media Lab API (and workers) as a standalone server

Common options (each also an environment variable):
  --db <file|postgres://...>   database (MEDIA_LAB_DB; default <data-dir>/media-lab.sqlite)
  --data-dir <dir>             data folder for artifacts (MEDIA_LAB_DATA_DIR or DATA_DIR; default ./data)
  --comfy <url,url>            ComfyUI backends (COMFYUI_URL)
serve:
  --port <n>                   (PORT; default 6699)
  --token-file <path>          admin token file (else MEDIA_LAB_ADMIN_TOKEN)
  --no-worker                  serve only; run workers with \`media-lab worker\`
  (MEDIA_LAB_METRICS_TOKEN: a bearer token Prometheus may scrape /api/media-lab/metrics with)
  (with a prompts table in the database, serve also polls it and mounts /api/prompts)

${EXTRA_USAGE}`;

export function commonOptions(args: ParsedArgs) {
  const dataDir = resolve(flag(args, 'data-dir', 'MEDIA_LAB_DATA_DIR') ?? process.env.DATA_DIR ?? './data');
  const db = flag(args, 'db', 'MEDIA_LAB_DB') ?? resolve(dataDir, 'media-lab.sqlite');
  const comfy = (flag(args, 'comfy', 'COMFYUI_URL') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return { dataDir, db, comfy };
}

function untilSignal(): Promise<void> {
  return new Promise<void>((done) => {
    process.once('SIGINT', () => done());
    process.once('SIGTERM', () => done());
  });
}

async function runWorker(args: ParsedArgs): Promise<number> {
  const { dataDir, db, comfy } = commonOptions(args);
  const lab: MediaLab = await createMediaLab({
    dataDir,
    database: db,
    authenticate: () => null,
    comfy: { backends: comfy.map((url, i) => ({ name: `comfy-${i + 1}`, url })) },
  });
  await lab.migrate();
  await lab.start();
  console.log(`media-lab worker ${lab.worker?.id} running against ${db}`);
  await untilSignal();
  console.log('media-lab worker: stopping (running jobs reach a checkpoint, leases released)');
  await lab.stop();
  return 0;
}

async function runServe(args: ParsedArgs): Promise<number> {
  const { dataDir, db, comfy } = commonOptions(args);
  const tokenFile = flag(args, 'token-file', 'MEDIA_LAB_ADMIN_TOKEN_FILE');
  const token = tokenFile ? readFileSync(tokenFile, 'utf8').trim() : process.env.MEDIA_LAB_ADMIN_TOKEN;
  if (!token) {
    console.error('media-lab serve: set MEDIA_LAB_ADMIN_TOKEN or pass --token-file <path>: the API is admin-only.');
    return 2;
  }
  const port = Number(flag(args, 'port', 'PORT') ?? 6699);
  const promptQueue = promptQueueForServe(args);
  const server = await startStandaloneServer({
    port,
    dataDir,
    database: db,
    comfy,
    authenticate: tokenAuthenticate(token),
    worker: !args.flags.has('no-worker'),
    metricsToken: process.env.MEDIA_LAB_METRICS_TOKEN || undefined,
    extraRoutes: (lab) => promptQueue.extraRoutes(lab),
  });
  console.log(`media-lab serve: ${server.url}/api/media-lab (database ${db})`);
  await untilSignal();
  await promptQueue.stop();
  await server.close();
  return 0;
}

async function withDatabase<T>(args: ParsedArgs, fn: (knex: ReturnType<typeof openDatabase>['knex']) => Promise<T>): Promise<T> {
  const { knex } = openDatabase(commonOptions(args).db);
  try {
    return await fn(knex);
  } finally {
    await knex.destroy();
  }
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  try {
    switch (args.command) {
      case 'migrate':
      case 'migrate:latest': {
        const applied = await withDatabase(args, (knex) => migrateLatest(knex));
        console.log(applied.length ? `applied: ${applied.join(', ')}` : 'already up to date');
        return 0;
      }
      case 'migrate:rollback': {
        const rolled = await withDatabase(args, (knex) => migrateRollback(knex, { all: args.flags.has('all') }));
        console.log(rolled.length ? `rolled back: ${rolled.join(', ')}` : 'nothing to roll back');
        return 0;
      }
      case 'worker':
        return await runWorker(args);
      case 'serve':
        return await runServe(args);
      case null:
      case 'help':
        console.log(USAGE);
        return args.command ? 0 : 2;
      default: {
        const handled = await runExtraCommand(args);
        if (handled !== null) return handled;
        console.error(`media-lab: unknown command "${args.command}"\n\n${USAGE}`);
        return 2;
      }
    }
  } catch (error) {
    if (error instanceof OptionsError) {
      console.error(error.message);
      return 2;
    }
    console.error(`media-lab ${args.command}: ${(error as Error).message}`);
    return 1;
  }
}
