// The prompt-queue host: a site like Musings (its own `prompts` table) with Media Lab and the
// adapter mounted in one Express server on a random port, and helpers for its prompts.
import express from 'express';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { createMediaLab, type MediaLab, type MediaLabOptionsInput } from '../../plugin/index.js';
import type { KindDefinition } from '../../plugin/core/types.js';
import { createPromptQueue, type PromptQueue, type PromptQueueDeps, type PromptQueueOptionsInput } from '../../plugin/prompt-queue/index.js';
import { ADMIN, testAuthenticate } from './auth.js';
import type { TestDatabase } from './db.js';
import { tempDir } from './files.js';
import { standInMediaKinds } from './kinds.js';
import { captureLog, type CapturedLog, type TestLogger } from './lab.js';
import { waitFor } from './wait.js';
import { OpenApiContract, type OpenApiDocument } from './openapi.js';

/** The host's own schema, as the prompt-queue site has it (plus a child table with a cascading key). */
export async function createHostTables(knex: Knex, options: { processingDuration?: boolean } = {}): Promise<void> {
  await knex.schema.createTable('prompts', (t) => {
    t.increments('id').primary();
    t.string('user_id', 100).nullable();
    t.text('prompt_text').notNullable();
    t.string('prompt_type', 16).notNullable();
    t.string('status', 16).notNullable().defaultTo('pending');
    t.text('error_message').nullable();
    t.timestamp('completed_at', { useTz: true }).nullable();
    if (options.processingDuration !== false) t.double('processing_duration').nullable();
    t.text('metadata').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('prompt_votes', (t) => {
    t.increments('id').primary();
    t.integer('prompt_id').notNullable().references('id').inTable('prompts').onDelete('CASCADE');
    t.integer('value').notNullable();
  });
}

export interface NewPrompt {
  prompt_type: 'text' | 'image' | 'music' | 'voice';
  prompt_text?: string;
  status?: string;
  metadata?: string | null;
  user_id?: string | null;
}

export async function insertPrompts(knex: Knex, prompts: NewPrompt[]): Promise<number[]> {
  const rows = (await knex('prompts')
    .insert(prompts.map((p) => ({ prompt_text: `a ${p.prompt_type} prompt`, status: 'pending', user_id: 'demo-user', ...p })))
    .returning('id')) as Array<{ id: number } | number>;
  return rows.map((r) => Number(typeof r === 'object' ? r.id : r));
}

export async function promptRow(knex: Knex, id: number): Promise<Record<string, unknown>> {
  return (await knex('prompts').where({ id }).first()) as Record<string, unknown>;
}

export async function waitForPromptStatus(knex: Knex, id: number, statuses: string[], timeoutMs = 20_000): Promise<Record<string, unknown>> {
  return waitFor(
    async () => {
      const row = await promptRow(knex, id);
      return statuses.includes(String(row.status)) ? row : null;
    },
    `prompt ${id} to reach ${statuses.join('/')}`,
    timeoutMs,
  );
}

export interface QueueHarness {
  lab: MediaLab;
  queue: PromptQueue;
  knex: Knex;
  dataDir: string;
  url: string;
  log: CapturedLog & { logger: TestLogger };
  /** GET under the host (either mount), as the admin unless told otherwise; checked against the OpenAPI document. */
  fetch(path: string, token?: string | null): Promise<Response>;
  close(): Promise<void>;
}

export async function startQueueHarness(options: {
  db: TestDatabase;
  comfyUrl?: string;
  queue?: PromptQueueOptionsInput;
  deps?: PromptQueueDeps;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- kinds carry their own param types
  kinds?: KindDefinition<any>[];
  hostTables?: boolean;
  startPolling?: boolean;
  /** More createMediaLab options (e.g. `scripts`, `comfy.presetsDir`), over the harness's own. */
  lab?: Partial<MediaLabOptionsInput>;
}): Promise<QueueHarness> {
  const dataDir = tempDir('media-lab-pq-');
  const knex = options.db.open();
  const log = captureLog();
  const lab = await createMediaLab({
    dataDir,
    database: knex,
    authenticate: testAuthenticate,
    logger: log.logger,
    lease: { durationMs: 3000, heartbeatMs: 500 },
    retry: { maxAttempts: 1, backoffBaseMs: 50, backoffMaxMs: 200 },
    worker: { pollIntervalMs: 50, shutdownGraceMs: 2000 },
    lanes: { generate: 2, music: 2, voice: 2 },
    comfy: { backends: options.comfyUrl ? [{ name: 'fake-comfy', url: options.comfyUrl }] : [] },
    ...options.lab,
  });
  for (const kind of options.kinds ?? standInMediaKinds()) lab.kinds.register(kind);
  await lab.migrate();
  if (options.hostTables !== false) await createHostTables(knex);
  const queue = createPromptQueue(
    lab,
    { pollIntervalMs: 50, healthIntervalMs: 100, healthTimeoutMs: 1000, mediaRoot: join(dataDir, 'prompt-media'), logger: log.logger, ...options.queue },
    options.deps,
  );
  await queue.migrate();

  const app = express();
  app.use('/api/media-lab', lab.router);
  app.use('/api/prompts', queue.router);
  let contract: Promise<OpenApiContract> | null = null;
  const server: Server = createServer(app);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  await lab.start();
  if (options.startPolling) await queue.start();
  return {
    lab,
    queue,
    knex,
    dataDir,
    url,
    log,
    async fetch(path, token = ADMIN) {
      const res = await fetch(`${url}${path}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
      // Checked against the lab's OpenAPI document, which holds the prompt routes too (test/support/openapi.ts).
      contract ??= fetch(`${url}/api/media-lab/openapi.json`).then(async (r) => new OpenApiContract((await r.json()) as OpenApiDocument));
      await (await contract).checkResponse('GET', res);
      return res;
    },
    async close() {
      await queue.stop();
      await lab.stop();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await knex.destroy();
      await options.db.drop();
    },
  };
}
