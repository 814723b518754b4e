// Test executors registered in place of real pipelines: the job core alone (stepping), a job
// that stops where the test says until the test lets it go on (pausing), the server's field
// errors (validating), audio for the players (tone), and stand-ins for the
// ComfyUI kinds that the prompt-queue host runs.
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { z } from 'zod';
import type { ExecutorContext, JsonObject, KindDefinition, WorkflowKind } from '../../plugin/core/types.js';
import { MediaLabError, ValidationError } from '../../plugin/core/errors.js';
import { wavBytes } from './media.js';

export const testParams = z.object({
  steps: z.number().int().min(1).max(1000).default(1),
  stepMs: z.number().int().min(0).max(10_000).default(0),
  failWith: z.enum(['none', 'transient', 'permanent', 'crash']).default('none'),
  failTimes: z.number().int().min(0).max(1000).default(1000),
  outputs: z.number().int().min(0).max(4).default(1),
});
export type TestParams = z.infer<typeof testParams>;

const failures = new Map<string, number>();

/** After the steps: the planned failure, if any, then `outputs` small images. */
async function finish(ctx: ExecutorContext<TestParams>, p: TestParams): Promise<{ summary: JsonObject }> {
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
}

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
        return finish(ctx, p);
      },
    },
  };
}

const pausingParams = testParams.extend({
  /** Step indexes to stop before (0: before the first step; `steps`: after the last, before the outputs). */
  pauseAt: z.array(z.number().int().min(0)).default([]),
});
type PausingParams = z.infer<typeof pausingParams>;

const pauses = new EventEmitter();
const paused = new Map<string, { step: number; resume(): void }>();

/**
 * The stepping kind that stops before each step in `pauseAt` (the job stays RUNNING, its stage
 * is the last step reported) until the test calls resumeJob(id). Lets a test see a job in a
 * given state for as long as it needs, instead of racing a timer. Runs in this process only
 * (the lab, or the demo host a browser test starts in-process).
 */
export function pausingKind(kind: WorkflowKind = 'voice'): KindDefinition<PausingParams> {
  const stepping = steppingKind(kind);
  return {
    ...stepping,
    description: 'test executor that pauses',
    paramsSchema: pausingParams,
    executor: {
      async run(ctx) {
        const p = ctx.params;
        const pause = (step: number) =>
          new Promise<void>((resolve, reject) => {
            const onAbort = () => {
              paused.delete(ctx.job.id);
              reject(ctx.signal.reason);
            };
            ctx.signal.throwIfAborted();
            ctx.signal.addEventListener('abort', onAbort, { once: true });
            paused.set(ctx.job.id, {
              step,
              resume() {
                ctx.signal.removeEventListener('abort', onAbort);
                paused.delete(ctx.job.id);
                resolve();
              },
            });
            pauses.emit('paused', ctx.job.id, step);
          });
        for (let step = 0; step < p.steps; step++) {
          if (p.pauseAt.includes(step)) await pause(step);
          ctx.signal.throwIfAborted();
          if (p.stepMs) await new Promise((r) => setTimeout(r, p.stepMs));
          ctx.progress({ fraction: (step + 1) / p.steps, stage: `step ${step + 1}/${p.steps}` });
        }
        if (p.pauseAt.includes(p.steps)) await pause(p.steps);
        return finish(ctx, p);
      },
    },
  };
}

/** Resolves with the step index once the job is paused (at once if it already is). */
export function jobPaused(id: string): Promise<number> {
  const now = paused.get(id);
  if (now) return Promise.resolve(now.step);
  return new Promise((resolve) => {
    const listener = (pausedId: string, step: number) => {
      if (pausedId !== id) return;
      pauses.off('paused', listener);
      resolve(step);
    };
    pauses.on('paused', listener);
  });
}

/** Lets a paused job go on to its next pause or its end. */
export function resumeJob(id: string): void {
  const now = paused.get(id);
  if (!now) throw new Error(`job ${id} is not paused`);
  now.resume();
}

/** The stepping kind, plus a submit-time rule the form cannot know: the server's field errors. */
export function validatingKind(kind: WorkflowKind = 'voice'): KindDefinition<TestParams> {
  return {
    ...steppingKind(kind),
    validate(params) {
      if (params.steps === 13) throw new ValidationError([{ field: 'params.steps', message: 'Thirteen steps are not allowed on this server: pick another number.' }]);
      if (params.steps === 14) throw new ValidationError([{ field: 'inputs[0]', message: 'This input image is too small for 14 steps.' }]);
    },
  };
}

// Hosts ask for long clips (the prompt queue's music default); tests only need a few seconds.
const toneParams = z.object({ seconds: z.number().min(0.5).max(600).default(2) });
const MAX_TONE_SECONDS = 4;

/** Makes one WAV clip (at most 4 s): an audio output for the players. */
export function toneKind(kind: WorkflowKind = 'music'): KindDefinition<z.infer<typeof toneParams>> {
  return {
    kind,
    description: 'test executor: a tone',
    paramsSchema: toneParams,
    inputs: { min: 0, max: 1, kinds: ['audio'] },
    executor: {
      async run(ctx) {
        const path = join(ctx.tempDir, 'tone.wav');
        const seconds = Math.min(ctx.params.seconds, MAX_TONE_SECONDS);
        await writeFile(path, wavBytes(seconds));
        ctx.progress({ fraction: 1, stage: 'written' });
        await ctx.addOutput({ path, facts: { kind: 'audio', mime: 'audio/wav', duration: seconds, sampleRate: 8000 } });
      },
    },
  };
}

export const standInParams = z.object({
  prompt: z.string().max(4000).default(''),
  text: z.string().max(4000).optional(),
  tags: z.string().max(4000).optional(),
  seed: z.number().int().min(0).optional(),
  steps: z.number().int().min(1).max(50).default(1),
  stepMs: z.number().int().min(0).max(5_000).default(0),
  seconds: z.number().min(0.1).max(5).default(0.4),
  /** A workflow that fails at run time (like a ComfyUI execution_error). */
  fail: z.boolean().default(false),
});
type StandInParams = z.infer<typeof standInParams>;

function colourOf(text: string): { r: number; g: number; b: number } {
  const digest = createHash('sha256').update(text).digest();
  return { r: digest[0], g: digest[1], b: digest[2] };
}

function standIn(kind: WorkflowKind, output: 'image' | 'audio'): KindDefinition<StandInParams> {
  return {
    kind,
    description: `test stand-in for ${kind}`,
    paramsSchema: standInParams,
    inputs: { min: 0, max: 4, kinds: ['image', 'audio'] },
    executor: {
      async run(ctx) {
        const p = ctx.params;
        for (let step = 0; step < p.steps; step++) {
          ctx.signal.throwIfAborted();
          if (p.stepMs) await new Promise((r) => setTimeout(r, p.stepMs));
          ctx.progress({ fraction: (step + 1) / p.steps });
        }
        if (p.fail) throw new MediaLabError('COMFY_EXECUTION', 'node 3 (KSampler): CUDA out of memory');
        await ctx.setBackend('fake-comfy');
        const words = p.text ?? p.tags ?? p.prompt;
        if (output === 'image') {
          const path = join(ctx.tempDir, 'out.png');
          await sharp({ create: { width: 64, height: 48, channels: 3, background: colourOf(words) } }).png().toFile(path);
          await ctx.addOutput({ path, facts: { kind: 'image', mime: 'image/png', width: 64, height: 48 }, metadata: { seed: p.seed ?? 42 } });
        } else {
          const path = join(ctx.tempDir, 'out.wav');
          await writeFile(path, wavBytes(p.seconds, 220 + (colourOf(words).r % 200)));
          await ctx.addOutput({ path, facts: { kind: 'audio', mime: 'audio/wav', duration: p.seconds, sampleRate: 8000 }, metadata: { seed: p.seed ?? 7 } });
        }
      },
    },
  };
}

/** generate -> PNG, music -> WAV, voice -> WAV. */
export function standInMediaKinds(): KindDefinition<StandInParams>[] {
  return [standIn('generate', 'image'), standIn('music', 'audio'), standIn('voice', 'audio')];
}
