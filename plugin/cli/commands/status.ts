// `media-lab status`: what an admin checks first, read from the database and nothing else (no
// worker, no migration, no write; SQLite is opened read-only): jobs by status, running jobs with
// their age and stage, the last failures, the ComfyUI backends (each asked for /system_stats
// with a short timeout), and the prompt queue's artifact statuses. --json for scripts.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { flag, UsageError, type ParsedArgs } from '../args.js';
import { COMFY_OPTION, DATABASE_OPTIONS, EXIT, type Command, type Log } from '../command.js';
import { settingsOf } from '../settings.js';
import { comfyAvailability } from '../../prompt-queue/comfy-availability.js';
import { parsePromptQueueOptions } from '../../prompt-queue/options.js';
import { promptQueueOptionsFromArgs, TABLE_OPTION } from './prompt-queue-args.js';

const STATUSES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;

export interface StatusReport {
  database: string;
  checkedAt: string;
  jobs: {
    byStatus: Record<(typeof STATUSES)[number], number>;
    running: Array<{ id: string; workflow: string; stage: string | null; progress: number; startedAt: string | null; ageSeconds: number | null; worker: string | null; backend: string | null }>;
    lastFailures: Array<{ id: string; workflow: string; code: string | null; message: string | null; finishedAt: string | null }>;
  };
  backends: Array<{ name: string; url: string; weight: number; burst: boolean; reachable: boolean; reason: string | null }>;
  promptQueue: { table: string; byArtifactStatus: Record<string, number> } | null;
  /** The prompt queue's pause lives in the polling process's memory, not in the database. */
  pauses: { known: false; note: string };
}

/** A postgres:// URL without its password. */
function shown(db: string): string {
  return db.replace(/^(postgres(?:ql)?:\/\/[^:/@]+):[^@]*@/, '$1:***@');
}

/** Opens the database without creating or changing anything. */
function openReadOnly(db: string): Knex {
  if (/^postgres(ql)?:\/\//.test(db)) return knexFactory({ client: 'pg', connection: db, pool: { min: 0, max: 1 } });
  const filename = resolve(db);
  if (!existsSync(filename)) throw new Error(`no database at ${filename} (pass --db, set MEDIA_LAB_DB, or "database" in the config file)`);
  return knexFactory({ client: 'better-sqlite3', connection: { filename, options: { readonly: true } }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
}

const iso = (value: unknown): string | null => (value === null || value === undefined ? null : new Date(value as string).toISOString());

async function readJobs(knex: Knex, now: number): Promise<StatusReport['jobs']> {
  const byStatus = Object.fromEntries(STATUSES.map((s) => [s, 0])) as StatusReport['jobs']['byStatus'];
  const counts = (await knex('media_jobs').select('status').count({ n: '*' }).groupBy('status')) as Array<{ status: string; n: number | string }>;
  for (const row of counts) if (row.status in byStatus) byStatus[row.status as keyof typeof byStatus] = Number(row.n);
  const running = (await knex('media_jobs')
    .where('status', 'RUNNING')
    .orderBy('started_at', 'asc')
    .select('id', 'workflow', 'stage', 'progress', 'started_at', 'lease_owner', 'backend')) as Array<Record<string, unknown>>;
  const failed = (await knex('media_jobs')
    .where('status', 'FAILED')
    .orderBy('updated_at', 'desc')
    .limit(5)
    .select('id', 'workflow', 'error_code', 'error_message', 'finished_at', 'updated_at')) as Array<Record<string, unknown>>;
  return {
    byStatus,
    running: running.map((r) => {
      const startedAt = iso(r.started_at);
      return {
        id: String(r.id),
        workflow: String(r.workflow),
        stage: (r.stage as string | null) ?? null,
        progress: Number(r.progress ?? 0),
        startedAt,
        ageSeconds: startedAt ? Math.max(0, Math.round((now - Date.parse(startedAt)) / 1000)) : null,
        worker: (r.lease_owner as string | null) ?? null,
        backend: (r.backend as string | null) ?? null,
      };
    }),
    lastFailures: failed.map((r) => ({
      id: String(r.id),
      workflow: String(r.workflow),
      code: (r.error_code as string | null) ?? null,
      message: (r.error_message as string | null) ?? null,
      finishedAt: iso(r.finished_at ?? r.updated_at),
    })),
  };
}

async function readPromptQueue(knex: Knex, args: ParsedArgs): Promise<StatusReport['promptQueue']> {
  const options = parsePromptQueueOptions(promptQueueOptionsFromArgs(args));
  const column = options.columns.artifactStatus;
  if (!(await knex.schema.hasTable(options.table)) || !(await knex.schema.hasColumn(options.table, column))) return null;
  const rows = (await knex(options.table).whereIn(options.columns.promptType, ['image', 'music', 'voice']).select({ s: column }).count({ n: '*' }).groupBy(column)) as Array<{
    s: string | null;
    n: number | string;
  }>;
  return { table: options.table, byArtifactStatus: Object.fromEntries(rows.map((r) => [r.s ?? 'none', Number(r.n)])) };
}

async function readBackends(args: ParsedArgs, timeoutMs: number): Promise<StatusReport['backends']> {
  const backends = settingsOf(args).comfy;
  if (backends.length === 0) return [];
  const availability = await comfyAvailability(backends.map((b) => ({ name: b.name, url: b.url, headers: b.headers })), timeoutMs)();
  return backends.map((b) => {
    const down = availability.unreachable.find((u) => u.name === b.name);
    return { name: b.name, url: b.url, weight: b.weight ?? 1, burst: b.burst ?? false, reachable: !down, reason: down?.reason ?? null };
  });
}

export async function readStatus(args: ParsedArgs, timeoutMs: number, now = Date.now()): Promise<StatusReport> {
  const { db } = settingsOf(args);
  const knex = openReadOnly(db);
  try {
    if (!(await knex.schema.hasTable('media_jobs'))) throw new Error(`${shown(db)} has no Media Lab tables (run media-lab migrate first)`);
    const [jobs, promptQueue, backends] = await Promise.all([readJobs(knex, now), readPromptQueue(knex, args), readBackends(args, timeoutMs)]);
    return {
      database: shown(db),
      checkedAt: new Date(now).toISOString(),
      jobs,
      backends,
      promptQueue,
      pauses: { known: false, note: 'the prompt queue pauses in its own process while no backend answers /system_stats; see backends' },
    };
  } finally {
    await knex.destroy();
  }
}

function age(seconds: number | null): string {
  if (seconds === null) return '-';
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  return `${(seconds / 3600).toFixed(1)}h`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => `  ${r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')}`.trimEnd());
}

export function describeStatus(report: StatusReport): string {
  const { jobs } = report;
  const lines = [`media-lab status: ${report.database} at ${report.checkedAt}`, '', 'Jobs:'];
  lines.push(`  ${STATUSES.map((s) => `${s.toLowerCase()} ${jobs.byStatus[s]}`).join(', ')}`);
  lines.push('', `Running (${jobs.running.length}):`);
  if (jobs.running.length) {
    lines.push(...table([['id', 'workflow', 'age', 'progress', 'stage', 'worker'], ...jobs.running.map((r) => [r.id, r.workflow, age(r.ageSeconds), `${Math.round(r.progress * 100)}%`, r.stage ?? '-', r.worker ?? '-'])]));
  } else lines.push('  none');
  lines.push('', 'Last failures:');
  if (jobs.lastFailures.length) {
    lines.push(...table([['id', 'workflow', 'finished', 'code', 'message'], ...jobs.lastFailures.map((f) => [f.id, f.workflow, f.finishedAt ?? '-', f.code ?? '-', (f.message ?? '').split('\n')[0].slice(0, 100)])]));
  } else lines.push('  none');
  lines.push('', 'ComfyUI backends:');
  if (report.backends.length) {
    lines.push(...table([['name', 'url', 'weight', 'burst', 'state'], ...report.backends.map((b) => [b.name, b.url, String(b.weight), b.burst ? 'yes' : 'no', b.reachable ? 'reachable' : `unreachable: ${b.reason}`])]));
  } else lines.push('  none configured (--comfy, COMFYUI_URL or comfy.backends in the config file)');
  lines.push('', 'Prompt queue:');
  if (report.promptQueue) {
    const counts = Object.entries(report.promptQueue.byArtifactStatus);
    lines.push(`  ${report.promptQueue.table}: ${counts.length ? counts.map(([s, n]) => `${s} ${n}`).join(', ') : 'no media prompts'}`);
  } else lines.push('  no prompts table with artifact columns in this database');
  lines.push(`  pauses: not stored in the database (${report.pauses.note})`);
  return `${lines.join('\n')}\n`;
}

async function runStatus(args: ParsedArgs, log: Log): Promise<number> {
  const timeoutText = flag(args, 'timeout') ?? '2000';
  if (!/^\d+$/.test(timeoutText) || Number(timeoutText) < 50) throw new UsageError(`--timeout expects milliseconds (at least 50); got "${timeoutText}"`);
  const report = await readStatus(args, Number(timeoutText));
  if (args.flags.has('json')) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else log.info(describeStatus(report).trimEnd());
  return EXIT.ok;
}

export const statusCommand: Command = {
  name: 'status',
  summary: 'jobs by status, running jobs, last failures, backends, prompt queue (reads the database only)',
  synopsis: '[--json] [--config <file.json>] [--db <file|url>] [--comfy <url,url>]',
  details: 'Starts no worker and writes nothing (SQLite is opened read-only); each backend gets one GET /system_stats.',
  options: [
    { name: 'json', help: 'print the report as JSON' },
    { name: 'timeout', value: '<ms>', help: 'how long each backend may take to answer /system_stats (default 2000)' },
    ...DATABASE_OPTIONS,
    COMFY_OPTION,
    TABLE_OPTION,
  ],
  run: runStatus,
};
