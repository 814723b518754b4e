// A Media Lab mounted in a real Express server on a random port, with the test users of
// auth.ts, for API tests.
import express from 'express';
import { createServer, type Server } from 'node:http';
import type { Knex } from 'knex';
import { createMediaLab, type MediaLab, type MediaLabOptionsInput } from '../../plugin/index.js';
import type { KindDefinition } from '../../plugin/core/types.js';
import { ADMIN, testAuthenticate } from './auth.js';
import { sqliteDatabase, type TestDatabase } from './db.js';
import { tempDir } from './files.js';
import { waitFor } from './wait.js';
import type { JobDetail } from '../../contract/job.js';
import pino from 'pino';
import { createLogger, type Logger } from '../../plugin/core/logger.js';
import { contractOf, type OpenApiContract } from './openapi.js';

export { ADMIN, USER } from './auth.js';
export { waitFor } from './wait.js';

export interface TestLab {
  lab: MediaLab;
  url: string;
  api: string;
  dataDir: string;
  db: TestDatabase;
  knex: Knex;
  server: Server;
  /**
   * fetch under the mount, as the admin unless `token` says otherwise. Every answer is checked
   * against the lab's own OpenAPI document (test/support/openapi.ts): an undocumented route or
   * status, or a JSON body that does not match its schema, fails the test right here.
   */
  fetch(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  json<T = Record<string, unknown>>(path: string, init?: RequestInit & { token?: string | null }): Promise<{ status: number; body: T; res: Response }>;
  /** The lab's GET /openapi.json as the checker reads it (fetched once, on first use). */
  openApi(): Promise<OpenApiContract>;
  close(): Promise<void>;
}

export type TestLogger = Logger;

/** A pino logger that writes nothing. */
export const silentLogger: TestLogger = pino({ level: 'silent' });

/** One JSON line a pino logger wrote, parsed. */
export type LogLine = Record<string, unknown> & { level: string; msg: string; time: string };

export interface CapturedLog {
  /** Messages by level (warn holds warnings only, and so on): what tests match on. */
  info: string[];
  warn: string[];
  error: string[];
  /** Every JSON line, debug included, parsed, in order. */
  lines: LogLine[];
}

/** A real pino logger (the lab's settings, level debug) whose JSON lines are kept in memory, parsed. */
export function captureLog(): CapturedLog & { logger: TestLogger } {
  const log: CapturedLog = { info: [], warn: [], error: [], lines: [] };
  const destination = {
    write(chunk: string) {
      for (const text of chunk.split('\n')) {
        if (!text) continue;
        const line = JSON.parse(text) as LogLine;
        log.lines.push(line);
        if (line.level === 'info' || line.level === 'warn' || line.level === 'error') log[line.level].push(line.msg);
      }
    },
  };
  return { ...log, logger: createLogger({ level: 'debug', destination }) };
}

export async function startTestLab(
  options: Partial<MediaLabOptionsInput> & { kinds?: KindDefinition<any>[]; db?: TestDatabase } = {}, // eslint-disable-line @typescript-eslint/no-explicit-any -- test kinds carry their own param types
): Promise<TestLab> {
  const dataDir = tempDir('media-lab-test-');
  const db = options.db ?? sqliteDatabase();
  const knex = db.open();
  const { kinds, db: _db, ...rest } = options;
  const lab = await createMediaLab({
    dataDir,
    database: knex,
    authenticate: testAuthenticate,
    logger: silentLogger,
    lease: { durationMs: 3000, heartbeatMs: 500 },
    retry: { maxAttempts: 3, backoffBaseMs: 50, backoffMaxMs: 200 },
    worker: { pollIntervalMs: 100, shutdownGraceMs: 2000 },
    ...rest,
  });
  for (const kind of kinds ?? []) lab.kinds.register(kind);
  await lab.migrate();
  const app = express();
  app.use('/api/media-lab', lab.router);
  const server = createServer(app);
  lab.attach(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  await lab.start();
  const api = `${url}/api/media-lab`;
  const openApi = contractOf(api);
  const doFetch = async (path: string, init: RequestInit & { token?: string | null } = {}) => {
    const { token = ADMIN, ...rest2 } = init;
    const headers = new Headers(rest2.headers);
    if (token) headers.set('Authorization', `Bearer ${token}`);
    if (typeof rest2.body === 'string' && !headers.has('Content-Type')) headers.set('Content-Type', 'application/json');
    const res = await fetch(`${api}${path}`, { ...rest2, headers });
    await (await openApi()).checkResponse(rest2.method ?? 'GET', res);
    return res;
  };
  return {
    lab,
    url,
    api,
    dataDir,
    db,
    knex,
    server,
    fetch: doFetch,
    openApi,
    async json<T>(path: string, init?: RequestInit & { token?: string | null }) {
      const res = await doFetch(path, init);
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : null) as T, res };
    },
    async close() {
      await lab.stop();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await knex.destroy();
      await db.drop();
    },
  };
}

export async function waitForStatus(t: TestLab, id: string, statuses: string[], timeoutMs = 20_000): Promise<JobDetail> {
  return waitFor(async () => {
    const { body } = await t.json<JobDetail>(`/jobs/${id}`);
    return statuses.includes(body.status) ? body : null;
  }, `job ${id} to reach ${statuses.join('/')}`, timeoutMs);
}

/** Uploads bytes through POST /uploads as a client does; the artifact id. */
export async function uploadBytes(t: TestLab, bytes: Buffer, name: string): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)]), name);
  const res = await t.json<{ id: string }>('/uploads', { method: 'POST', body: form });
  if (res.status !== 201 && res.status !== 200) throw new Error(`upload of ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}
