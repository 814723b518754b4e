// Stand-ins for node classes that need models (checkpoints, samplers, VAE, ACE-Step, F5-TTS).
// They answer like the real nodes (same slots, same UI outputs) with cheap deterministic
// results: a sampler reports per-step progress, a VAE decode yields an image of the latent's
// size, audio decoders yield a tone of the requested length.
import { createHash } from 'node:crypto';
import { isAudio, isImage, isToken, sineTone, solidFrame, token, type ImageFrame, type ImageValue } from '../values.js';
import { NodeException, type NodeImpl } from './types.js';

function colourFor(...parts: unknown[]): [number, number, number] {
  const digest = createHash('sha256').update(JSON.stringify(parts)).digest();
  return [digest[0] / 255, digest[1] / 255, digest[2] / 255];
}

function latentInput(inputs: Record<string, unknown>, name: string): Record<string, unknown> {
  const value = inputs[name];
  if (!isToken(value, 'LATENT')) throw new NodeException('TypeError', `input ${name} is not a LATENT`);
  return value.data;
}

function conditioningText(value: unknown): string {
  return isToken(value, 'CONDITIONING') ? String(value.data.text ?? '') : '';
}

const checkpointLoader: NodeImpl = (ctx) => {
  const name = String(ctx.inputs.ckpt_name);
  return { outputs: [token('MODEL', { name, loras: [] }), token('CLIP', { name, loras: [] }), token('VAE', { name })] };
};

const loraLoader: NodeImpl = (ctx) => {
  const lora = String(ctx.inputs.lora_name);
  const model = isToken(ctx.inputs.model) ? ctx.inputs.model.data : {};
  const clip = isToken(ctx.inputs.clip) ? ctx.inputs.clip.data : {};
  return {
    outputs: [
      token('MODEL', { ...model, loras: [...((model.loras as string[]) ?? []), lora] }),
      token('CLIP', { ...clip, loras: [...((clip.loras as string[]) ?? []), lora] }),
    ],
  };
};

const textEncode: NodeImpl = (ctx) => ({ outputs: [token('CONDITIONING', { text: String(ctx.inputs.text ?? '') })] });

const zeroOut: NodeImpl = () => ({ outputs: [token('CONDITIONING', { text: '' })] });

const emptyLatentImage: NodeImpl = (ctx) => ({
  outputs: [token('LATENT', { width: Number(ctx.inputs.width), height: Number(ctx.inputs.height), batch: Number(ctx.inputs.batch_size ?? 1) })],
});

const vaeEncode: NodeImpl = (ctx) => {
  const pixels = ctx.inputs.pixels;
  if (!isImage(pixels)) throw new NodeException('TypeError', 'input pixels is not an IMAGE');
  const first = pixels.frames[0];
  // Real VAEs work on multiples of 8: crop like ComfyUI's VAEEncode does.
  return { outputs: [token('LATENT', { width: first.width - (first.width % 8), height: first.height - (first.height % 8), batch: pixels.frames.length, source: pixels })] };
};

/**
 * LatentBlend (comfy_extras/nodes_latent.py): samples1 * blend_factor + samples2 * (1 - blend_factor),
 * samples2 resized to samples1's size. Latents here carry their source pixels, so the blend is
 * done on those: a later VAEDecode shows the weighted mix.
 */
const latentBlend: NodeImpl = (ctx) => {
  const a = latentInput(ctx.inputs, 'samples1');
  const b = latentInput(ctx.inputs, 'samples2');
  const factor = Number(ctx.inputs.blend_factor ?? 0.5);
  const sa = a.source as ImageValue | undefined;
  const sb = b.source as ImageValue | undefined;
  if (!sa || !sb) return { outputs: [token('LATENT', { ...a })] };
  const frames = sa.frames.map((fa, i) => {
    const fb = sb.frames[Math.min(i, sb.frames.length - 1)];
    const out = solidFrame(fa.width, fa.height, [0, 0, 0]);
    for (let y = 0; y < fa.height; y++) {
      const by = Math.min(fb.height - 1, Math.floor((y * fb.height) / fa.height));
      for (let x = 0; x < fa.width; x++) {
        const bx = Math.min(fb.width - 1, Math.floor((x * fb.width) / fa.width));
        for (let c = 0; c < 3; c++) {
          const i3 = (y * fa.width + x) * 3 + c;
          out.data[i3] = fa.data[i3] * factor + fb.data[(by * fb.width + bx) * 3 + c] * (1 - factor);
        }
      }
    }
    return out;
  });
  return { outputs: [token('LATENT', { ...a, source: { kind: 'image', frames } satisfies ImageValue })] };
};

const kSampler: NodeImpl = async (ctx) => {
  const latent = latentInput(ctx.inputs, 'latent_image');
  const steps = Number(ctx.inputs.steps ?? 20);
  for (let i = 1; i <= steps; i++) await ctx.step(i, steps);
  return {
    outputs: [
      token('LATENT', {
        ...latent,
        seed: Number(ctx.inputs.seed ?? 0),
        denoise: Number(ctx.inputs.denoise ?? 1),
        text: conditioningText(ctx.inputs.positive),
      }),
    ],
  };
};

const vaeDecode: NodeImpl = (ctx) => {
  const latent = latentInput(ctx.inputs, 'samples');
  const rgb = colourFor(latent.seed, latent.text);
  const width = Number(latent.width);
  const height = Number(latent.height);
  const source = latent.source as ImageValue | undefined;
  const frames: ImageFrame[] = Array.from({ length: Number(latent.batch ?? 1) }, (_, b) => {
    const frame = solidFrame(width, height, rgb);
    const src = source?.frames[Math.min(b, source.frames.length - 1)];
    if (src) {
      // img2img: keep the reference, pulled towards the "generated" colour by denoise
      const mix = Math.min(1, Number(latent.denoise ?? 1)) * 0.5;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          for (let c = 0; c < 3; c++) {
            const i = (y * width + x) * 3 + c;
            frame.data[i] = src.data[(y * src.width + x) * 3 + c] * (1 - mix) + rgb[c] * mix;
          }
        }
      }
    }
    return frame;
  });
  return { outputs: [{ kind: 'image', frames } satisfies ImageValue] };
};

const modelPassThrough: NodeImpl = (ctx) => ({ outputs: [ctx.inputs.model] });

const aceTextEncode: NodeImpl = (ctx) => ({
  outputs: [token('CONDITIONING', { text: `${String(ctx.inputs.tags ?? '')}\n${String(ctx.inputs.lyrics ?? '')}` })],
});

const aceLatent: NodeImpl = (ctx) => ({ outputs: [token('LATENT', { seconds: Number(ctx.inputs.seconds ?? 120), batch: Number(ctx.inputs.batch_size ?? 1) })] });

const vaeDecodeAudio: NodeImpl = (ctx) => {
  const latent = latentInput(ctx.inputs, 'samples');
  const frequency = 220 + (Number(latent.seed ?? 0) % 440);
  return { outputs: [sineTone(Number(latent.seconds ?? 1), 44100, 2, frequency)] };
};

/** ComfyUI-F5-TTS's F5TTSAudioInputs: speech from a reference voice sample. */
const f5ttsAudioInputs: NodeImpl = async (ctx) => {
  if (!isAudio(ctx.inputs.sample_audio)) throw new NodeException('FileNotFoundError', 'No audio input');
  const speech = String(ctx.inputs.speech ?? '');
  const chunks = Math.max(1, speech.split(/(?<=[.!?])\s+/).length);
  for (let i = 1; i <= chunks; i++) await ctx.step(i, chunks);
  const seconds = Math.max(0.5, speech.length * 0.05) / Number(ctx.inputs.speed ?? 1);
  return { outputs: [sineTone(seconds, 24000, 1, 180 + (Number(ctx.inputs.seed ?? 0) % 200))] };
};

export const standInNodes: Record<string, NodeImpl> = {
  CheckpointLoaderSimple: checkpointLoader,
  LoraLoader: loraLoader,
  CLIPTextEncode: textEncode,
  ConditioningZeroOut: zeroOut,
  EmptyLatentImage: emptyLatentImage,
  VAEEncode: vaeEncode,
  LatentBlend: latentBlend,
  KSampler: kSampler,
  VAEDecode: vaeDecode,
  ModelSamplingSD3: modelPassThrough,
  TextEncodeAceStepAudio: aceTextEncode,
  EmptyAceStepLatentAudio: aceLatent,
  VAEDecodeAudio: vaeDecodeAudio,
  F5TTSAudioInputs: f5ttsAudioInputs,
};
