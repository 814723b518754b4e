// A job's image/audio parameters hold artifact ids; the artifacts are the job's inputs. They are
// uploaded to the chosen backend under content-addressed names, so the same bytes are stored
// once there (ComfyUI answers "same name, same bytes" with the existing file).
import { extname } from 'node:path';
import type { ComfyClient } from '../../../bridge/client/comfy-client.js';
import type { ParameterSpec } from '../../../bridge/types.js';
import { MediaLabError } from '../../core/errors.js';
import type { Artifact, ExecutorContext, JsonObject } from '../../core/types.js';

const EXT_BY_MIME: Record<string, string> = {
  'image/png': '.png',
  'image/jpeg': '.jpg',
  'image/webp': '.webp',
  'image/gif': '.gif',
  'audio/wav': '.wav',
  'audio/x-wav': '.wav',
  'audio/wave': '.wav',
  'audio/flac': '.flac',
  'audio/mpeg': '.mp3',
  'audio/ogg': '.ogg',
  'audio/mp4': '.m4a',
};

export interface InputBinding {
  param: string;
  artifact: Artifact;
}

/** Pairs each image/audio parameter with its input artifact; the kinds must match. */
export function bindInputs(specs: ParameterSpec[], params: JsonObject, inputs: Artifact[]): InputBinding[] {
  const bindings: InputBinding[] = [];
  for (const spec of specs) {
    if (spec.type !== 'image' && spec.type !== 'audio') continue;
    const id = params[spec.name];
    if (id === null || id === undefined || id === '') continue;
    const artifact = inputs.find((a) => a.id === id);
    if (!artifact) throw new MediaLabError('INPUT_MISSING', `params.${spec.name}: artifact ${String(id)} is not among the job's inputs`);
    if (artifact.kind !== spec.type) {
      throw new MediaLabError('INPUT_KIND_MISMATCH', `params.${spec.name}: artifact ${artifact.id} is ${artifact.kind}, this parameter takes ${spec.type}`);
    }
    bindings.push({ param: spec.name, artifact });
  }
  return bindings;
}

export function uploadName(artifact: Artifact, path: string): string {
  const ext = EXT_BY_MIME[artifact.mime] ?? (extname(path).toLowerCase() || '.bin');
  return `medialab_${artifact.sha256.slice(0, 24)}${ext}`;
}

/** Uploads the bound inputs; returns parameter -> the name the server knows the file by. */
export async function uploadInputs(client: ComfyClient, bindings: InputBinding[], ctx: Pick<ExecutorContext, 'inputPath' | 'signal'>): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const done = new Map<string, string>();
  for (const { param, artifact } of bindings) {
    let name = done.get(artifact.id);
    if (!name) {
      const path = ctx.inputPath(artifact);
      const result = await client.http.upload(path, { name: uploadName(artifact, path), type: 'input', signal: ctx.signal });
      name = result.subfolder ? `${result.subfolder}/${result.name}` : result.name;
      done.set(artifact.id, name);
    }
    files[param] = name;
  }
  return files;
}
