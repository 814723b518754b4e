// Collects a finished prompt's files: each one is streamed from /view into the attempt's temp
// folder, its facts are read from the bytes (sharp for images, ffprobe for audio), and it is
// recorded as an output artifact with its lineage.
import { extname, join } from 'node:path';
import sharp from 'sharp';
import type { ComfyClient } from '../../../bridge/client/comfy-client.js';
import type { JsonObject, JsonValue, NodeUiOutput, OutputFile } from '../../../bridge/types.js';
import { MediaLabError } from '../../core/errors.js';
import type { Artifact, ExecutorContext, MediaFacts } from '../../core/types.js';
import { probeMedia } from '../../media/ffprobe.js';

const AUDIO_MIME: Record<string, string> = {
  '.flac': 'audio/flac',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
  '.ogg': 'audio/ogg',
  '.opus': 'audio/ogg',
  '.m4a': 'audio/mp4',
};
const IMAGE_MIME: Record<string, string> = { png: 'image/png', jpeg: 'image/jpeg', jpg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif', avif: 'image/avif', tiff: 'image/tiff' };

export interface OutputFileRef {
  nodeId: string;
  file: OutputFile;
}

function isOutputFile(value: JsonValue): value is JsonValue & OutputFile {
  return !!value && typeof value === 'object' && !Array.isArray(value) && typeof (value as { filename?: unknown }).filename === 'string';
}

/** The files the output nodes wrote (`images`, `audio`, `gifs`, ... lists). Previews (temp) only when nothing else. */
export function outputFiles(outputs: Record<string, NodeUiOutput>, nodes: string[]): OutputFileRef[] {
  const refs: OutputFileRef[] = [];
  for (const nodeId of nodes) {
    for (const list of Object.values(outputs[nodeId] ?? {})) {
      if (!Array.isArray(list)) continue;
      for (const item of list) if (isOutputFile(item)) refs.push({ nodeId, file: { filename: item.filename, subfolder: item.subfolder ?? '', type: item.type ?? 'output' } });
    }
  }
  const saved = refs.filter((r) => r.file.type === 'output');
  return saved.length ? saved : refs;
}

export async function readFacts(path: string, contentType: string): Promise<MediaFacts> {
  const ext = extname(path).toLowerCase();
  if (contentType.startsWith('audio/') || AUDIO_MIME[ext]) {
    const probe = await probeMedia(path);
    const stream = probe.audio[0];
    if (!stream) throw new MediaLabError('COMFY_EXECUTION', `ComfyUI output ${path} has no audio stream`);
    return { kind: 'audio', mime: AUDIO_MIME[ext] ?? contentType.split(';')[0], duration: stream.duration ?? probe.duration, sampleRate: stream.sampleRate };
  }
  if (contentType.startsWith('video/')) {
    const probe = await probeMedia(path);
    return { kind: 'video', mime: contentType.split(';')[0], width: probe.video?.width ?? null, height: probe.video?.height ?? null, duration: probe.duration, fps: probe.video?.fps ?? null };
  }
  const meta = await sharp(path).metadata();
  return { kind: 'image', mime: IMAGE_MIME[meta.format ?? ''] ?? contentType.split(';')[0], width: meta.width ?? null, height: meta.height ?? null };
}

export interface CollectContext {
  ctx: Pick<ExecutorContext, 'tempDir' | 'signal' | 'addOutput'>;
  client: ComfyClient;
  refs: OutputFileRef[];
  parentIds: string[];
  metadata: JsonObject;
  onFile?(index: number, total: number): void;
}

export async function collectOutputs({ ctx, client, refs, parentIds, metadata, onFile }: CollectContext): Promise<Artifact[]> {
  const artifacts: Artifact[] = [];
  for (const [index, { nodeId, file }] of refs.entries()) {
    onFile?.(index, refs.length);
    const path = join(ctx.tempDir, `${nodeId}-${index}-${file.filename.replace(/[^A-Za-z0-9._-]/g, '_')}`);
    const { contentType } = await client.http.download(file, path, ctx.signal);
    const facts = await readFacts(path, contentType);
    artifacts.push(
      await ctx.addOutput({
        path,
        role: 'output',
        facts,
        parentIds,
        metadata: { ...metadata, comfy: { ...(metadata.comfy as JsonObject), node: nodeId, filename: file.filename, subfolder: file.subfolder } },
      }),
    );
  }
  return artifacts;
}
