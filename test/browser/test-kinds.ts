// Test executors for the browser tests, beside the job core's own (test/helpers/kinds.ts).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ValidationError } from '../../plugin/core/errors.js';
import type { KindDefinition, WorkflowKind } from '../../plugin/core/types.js';
import { steppingKind, type TestParams } from '../helpers/kinds.js';

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

/** A mono 16-bit PCM WAV: a tone that swells and fades, so the waveform has a shape. */
export function wavBytes(seconds = 2, frequency = 440, sampleRate = 8000): Buffer {
  const samples = Math.round(seconds * sampleRate);
  const buffer = Buffer.alloc(44 + samples * 2);
  buffer.write('RIFF', 0, 'latin1');
  buffer.writeUInt32LE(36 + samples * 2, 4);
  buffer.write('WAVE', 8, 'latin1');
  buffer.write('fmt ', 12, 'latin1');
  buffer.writeUInt32LE(16, 16);
  buffer.writeUInt16LE(1, 20);
  buffer.writeUInt16LE(1, 22);
  buffer.writeUInt32LE(sampleRate, 24);
  buffer.writeUInt32LE(sampleRate * 2, 28);
  buffer.writeUInt16LE(2, 32);
  buffer.writeUInt16LE(16, 34);
  buffer.write('data', 36, 'latin1');
  buffer.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) {
    const envelope = Math.sin((Math.PI * i) / samples);
    const value = Math.sin((2 * Math.PI * frequency * i) / sampleRate) * envelope * 0.8;
    buffer.writeInt16LE(Math.round(value * 32767), 44 + i * 2);
  }
  return buffer;
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
