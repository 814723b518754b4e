// The demo host's prompt queue: a `prompts` table like the prompt-queue site's (seeded with a
// few prompts on first start), the prompt-queue adapter polling it, its routes under
// /api/prompts, and the /prompts page with a <prompt-artifacts> widget per media prompt.
import type { Express } from 'express';
import type { Knex } from 'knex';
import type { MediaLab } from '../plugin/index.js';
import { createPromptQueue, type PromptQueue, type PromptQueueDeps, type PromptQueueOptionsInput } from '../plugin/prompt-queue/index.js';
import type { IncomingMessage } from 'node:http';
import { promptsPage, type PromptSummary, type Viewer } from './pages.js';

/** The host's own schema (what the prompt-queue site has before Media Lab arrives). */
export async function createDemoPromptsTable(knex: Knex): Promise<boolean> {
  if (await knex.schema.hasTable('prompts')) return false;
  await knex.schema.createTable('prompts', (t) => {
    t.increments('id').primary();
    t.string('user_id', 100).nullable();
    t.text('prompt_text').notNullable();
    t.string('prompt_type', 16).notNullable(); // text | image | music | voice
    t.string('status', 16).notNullable().defaultTo('pending'); // pending | processing | completed | failed
    t.text('error_message').nullable();
    t.timestamp('completed_at', { useTz: true }).nullable();
    t.double('processing_duration').nullable();
    t.text('metadata').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  return true;
}

export const DEMO_PROMPTS = [
  { prompt_type: 'text', prompt_text: 'Write a two-line backstory for a lighthouse keeper.', status: 'completed' },
  { prompt_type: 'image', prompt_text: 'portrait of a lighthouse keeper with a brass telescope, storm clouds, painterly' },
  { prompt_type: 'image', prompt_text: 'a fox in a knitted scarf, watercolor', metadata: JSON.stringify({ params: { seed: 7 } }) },
  { prompt_type: 'music', prompt_text: 'calm piano, rain, lofi, 70 bpm' },
  { prompt_type: 'voice', prompt_text: 'Welcome aboard. Mind the steps, they are slippery tonight.' },
] as const;

export async function seedDemoPrompts(knex: Knex, owner = 'demo-user'): Promise<void> {
  await knex('prompts').insert(DEMO_PROMPTS.map((p) => ({ user_id: owner, status: 'pending', ...p })));
}

export async function listDemoPrompts(knex: Knex, limit = 100): Promise<PromptSummary[]> {
  const rows = (await knex('prompts').select('id', 'prompt_type', 'prompt_text', 'status').orderBy('id', 'desc').limit(limit)) as Array<Record<string, unknown>>;
  return rows.map((r) => ({ id: r.id as number, type: String(r.prompt_type), text: (r.prompt_text as string | null) ?? null, status: (r.status as string | null) ?? null }));
}

export interface PromptQueueDemo {
  queue: PromptQueue;
  stop(): Promise<void>;
}

/**
 * Mounts the prompt queue on the demo host: creates and seeds the demo table the first time,
 * migrates the host schema, starts polling, serves /api/prompts and the /prompts page.
 */
export async function mountPromptQueueDemo(
  lab: MediaLab,
  app: Express,
  options: { seed?: boolean; queue?: PromptQueueOptionsInput; deps?: PromptQueueDeps; viewer?: (req: IncomingMessage) => Viewer | null | Promise<Viewer | null> } = {},
): Promise<PromptQueueDemo> {
  const created = await createDemoPromptsTable(lab.knex);
  if (created && options.seed !== false) await seedDemoPrompts(lab.knex);
  const queue = createPromptQueue(lab, options.queue, options.deps);
  await queue.migrate();
  app.use(queue.options.mountPath, queue.router);
  app.get('/prompts', (req, res, next) => {
    Promise.all([listDemoPrompts(lab.knex), options.viewer?.(req) ?? null])
      .then(([prompts, viewer]) => res.type('html').send(promptsPage(prompts, { promptsApi: queue.options.mountPath, viewer })))
      .catch(next);
  });
  await queue.start();
  return { queue, stop: () => queue.stop() };
}
