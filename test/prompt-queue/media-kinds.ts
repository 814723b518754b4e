// Stand-in executors for the ComfyUI kinds (generate, music, voice) while the bridge is not
// wired in: a real PNG (sharp) per image prompt, a real WAV (PCM written here) per audio prompt.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { z } from 'zod';
import type { KindDefinition, WorkflowKind } from '../../plugin/core/types.js';
import { MediaLabError } from '../../plugin/core/errors.js';

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

export function wavBytes(seconds: number, frequency: number, sampleRate = 8000): Buffer {
  const samples = Math.round(seconds * sampleRate);
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) data.writeInt16LE(Math.round(Math.sin((2 * Math.PI * frequency * i) / sampleRate) * 12000), i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
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
