// Test executors registered in place of real pipelines, to exercise the job core alone.
import { z } from 'zod';
import sharp from 'sharp';
import { join } from 'node:path';
import type { KindDefinition, WorkflowKind } from '../../plugin/core/types.js';
import { MediaLabError } from '../../plugin/core/errors.js';

export const testParams = z.object({
  steps: z.number().int().min(1).max(1000).default(1),
  stepMs: z.number().int().min(0).max(10_000).default(0),
  failWith: z.enum(['none', 'transient', 'permanent', 'crash']).default('none'),
  failTimes: z.number().int().min(0).max(1000).default(1000),
  outputs: z.number().int().min(0).max(4).default(1),
});
export type TestParams = z.infer<typeof testParams>;

const failures = new Map<string, number>();

/** Makes `steps` small images with a checkpoint (cancel/abort check) between steps. */
export function steppingKind(kind: WorkflowKind = 'voice'): KindDefinition<TestParams> {
  return {
    kind,
    description: 'test executor',
    paramsSchema: testParams,
    inputs: { min: 0, max: 4, kinds: ['image', 'audio', 'video'] },
    executor: {
      async run(ctx) {
        const p = ctx.params;
        for (let step = 0; step < p.steps; step++) {
          ctx.signal.throwIfAborted();
          if (p.stepMs) await new Promise((r) => setTimeout(r, p.stepMs));
          ctx.progress({ fraction: (step + 1) / p.steps, stage: `step ${step + 1}/${p.steps}` });
        }
        const seen = failures.get(ctx.job.id) ?? 0;
        if (p.failWith !== 'none' && seen < p.failTimes) {
          failures.set(ctx.job.id, seen + 1);
          if (p.failWith === 'crash') throw new TypeError('boom: an unexpected bug');
          throw new MediaLabError('EXECUTOR_FAILED', `planned ${p.failWith} failure #${seen + 1}`, { transient: p.failWith === 'transient' });
        }
        for (let i = 0; i < p.outputs; i++) {
          const path = join(ctx.tempDir, `out-${i}.png`);
          await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: i * 40, g: 10, b: 200 } } }).png().toFile(path);
          await ctx.addOutput({ path, facts: { kind: 'image', mime: 'image/png', width: 8, height: 8 }, metadata: { index: i } });
          ctx.signal.throwIfAborted();
        }
        return { summary: { outputs: p.outputs } };
      },
    },
  };
}
