// Model-free audio nodes: LoadAudio (WAV), EmptyAudio, AudioAdjustVolume, SaveAudio (FLAC) and
// PreviewAudio (FLAC in temp).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { encodeFlac, decodeWav } from '../audio-codecs.js';
import { isAudio, type AudioValue } from '../values.js';
import { annotatedInputPath } from './image.js';
import { fileIn, numbered, randomTempPrefix, saveImagePath } from './save-path.js';
import { NodeException, type NodeImpl, type NodeRunContext } from './types.js';

function audioInput(ctx: NodeRunContext, name: string): AudioValue {
  const value = ctx.inputs[name];
  if (!isAudio(value)) throw new NodeException('TypeError', `input ${name} is not AUDIO`);
  return value;
}

const loadAudio: NodeImpl = (ctx) => {
  const path = annotatedInputPath(ctx.dirs.input, String(ctx.inputs.audio));
  if (!existsSync(path)) throw new NodeException('FileNotFoundError', `[Errno 2] No such file or directory: '${path}'\n`);
  try {
    return { outputs: [decodeWav(readFileSync(path))] };
  } catch (error) {
    throw new NodeException('RuntimeError', `the fake ComfyUI reads PCM WAV only: ${(error as Error).message}`);
  }
};

const emptyAudio: NodeImpl = (ctx) => {
  const sampleRate = Number(ctx.inputs.sample_rate ?? 44100);
  const length = Math.round(Number(ctx.inputs.duration ?? 60) * sampleRate);
  const channels = Array.from({ length: Number(ctx.inputs.channels ?? 2) }, () => new Float32Array(length));
  return { outputs: [{ kind: 'audio', sampleRate, channels } satisfies AudioValue] };
};

const adjustVolume: NodeImpl = (ctx) => {
  const audio = audioInput(ctx, 'audio');
  const gain = 10 ** (Number(ctx.inputs.volume ?? 0) / 20);
  return { outputs: [{ ...audio, channels: audio.channels.map((c) => c.map((v) => v * gain)) } satisfies AudioValue] };
};

function writeFlac(ctx: NodeRunContext, prefix: string, outDir: string, type: 'output' | 'temp') {
  const audio = audioInput(ctx, 'audio');
  const path = saveImagePath(prefix, outDir);
  const name = numbered(path.filename, path.counter, 'flac');
  writeFileSync(fileIn(path.folder, name), encodeFlac(audio));
  return { ui: { audio: [{ filename: name, subfolder: path.subfolder, type }] } };
}

export const audioNodes: Record<string, NodeImpl> = {
  LoadAudio: loadAudio,
  EmptyAudio: emptyAudio,
  AudioAdjustVolume: adjustVolume,
  SaveAudio: (ctx) => writeFlac(ctx, String(ctx.inputs.filename_prefix ?? 'audio/ComfyUI'), ctx.dirs.output, 'output'),
  PreviewAudio: (ctx) => writeFlac(ctx, randomTempPrefix(), ctx.dirs.temp, 'temp'),
};
