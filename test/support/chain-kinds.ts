// A `voice` stand-in for chain tests across processes: each run records its start and finish in a
// `test_runs` table (job, worker, attempt), makes one small image, and with `hold` waits on its
// first attempt until the test inserts a `go` row (or kills the process).
import sharp from 'sharp';
import { join } from 'node:path';
import { z } from 'zod';
import type { Knex } from 'knex';
import type { KindDefinition } from '../../plugin/core/types.js';

export const relayParams = z.object({ hold: z.boolean().default(false), tag: z.string().default('') });

export async function createRunsTable(knex: Knex): Promise<void> {
  await knex.schema.createTable('test_runs', (table) => {
    table.increments('id');
    table.string('job_id');
    table.string('worker');
    table.string('phase');
    table.integer('attempt');
  });
}

export function relayKind(knex: () => Knex, worker: string): KindDefinition<z.infer<typeof relayParams>> {
  const record = (jobId: string, phase: string, attempt: number) => knex()('test_runs').insert({ job_id: jobId, worker, phase, attempt });
  return {
    kind: 'voice',
    description: 'chain relay step (tests)',
    paramsSchema: relayParams,
    inputs: { min: 0, max: 4, kinds: ['image', 'audio'] },
    executor: {
      async run(ctx) {
        await record(ctx.job.id, 'start', ctx.job.attempts);
        if (ctx.params.hold && ctx.job.attempts === 1) {
          while (!(await knex()('test_runs').where({ job_id: ctx.job.id, phase: 'go' }).first())) {
            ctx.signal.throwIfAborted();
            await new Promise((r) => setTimeout(r, 50));
          }
        }
        const path = join(ctx.tempDir, 'out.png');
        const shade = [...ctx.params.tag].reduce((n, c) => n + c.charCodeAt(0), 0) % 256;
        await sharp({ create: { width: 6, height: 6, channels: 3, background: { r: shade, g: ctx.inputs.length * 60, b: 9 } } }).png().toFile(path);
        await ctx.addOutput({ path, facts: { kind: 'image', mime: 'image/png', width: 6, height: 6 } });
        await record(ctx.job.id, 'finish', ctx.job.attempts);
      },
    },
  };
}
