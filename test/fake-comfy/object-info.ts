// The fake's /object_info: the real server's answer (383 classes, both input formats) plus
// custom nodes, with the lists that depend on disk filled in the way ComfyUI fills them
// (input files for LoadImage/LoadAudio, model files for checkpoint and LoRA loaders).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { normaliseNodeClass } from '../../bridge/client/object-info.js';
import type { NodeClassInfo, NodeClassSpec, ObjectInfo } from '../../bridge/types.js';

const here = fileURLToPath(new URL('.', import.meta.url));

function readJson(name: string): ObjectInfo {
  return JSON.parse(readFileSync(join(here, name), 'utf8')) as ObjectInfo;
}

let recorded: ObjectInfo | null = null;
/** The recorded /object_info of ComfyUI v0.3.64 plus the custom nodes the fake knows. */
export function baseObjectInfo(): ObjectInfo {
  recorded ??= {
    ...readJson('object_info.json'),
    ...readJson('custom-nodes/f5tts.json'),
    ...readJson('custom-nodes/medialab.json'),
  };
  return structuredClone(recorded);
}

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg', '.webp', '.gif', '.bmp', '.tif', '.tiff']);
const AUDIO_EXT = new Set(['.wav', '.flac', '.mp3', '.ogg', '.opus', '.m4a', '.aac', '.mp4', '.webm', '.mkv', '.mov']);

export interface ModelLists {
  checkpoints: string[];
  loras: string[];
}

const CHECKPOINT_LOADERS = ['CheckpointLoaderSimple', 'CheckpointLoader', 'ImageOnlyCheckpointLoader', 'unCLIPCheckpointLoader'];
const LORA_LOADERS = ['LoraLoader', 'LoraLoaderModelOnly'];

export class FakeObjectInfo {
  private readonly info: ObjectInfo;
  private readonly specCache = new Map<string, NodeClassSpec>();
  private readonly dynamic = new Set(['LoadImage', 'LoadImageMask', 'LoadAudio', ...CHECKPOINT_LOADERS, ...LORA_LOADERS]);

  constructor(
    private readonly inputDir: string,
    private readonly models: ModelLists,
    extra: ObjectInfo = {},
  ) {
    this.info = { ...baseObjectInfo(), ...extra };
  }

  add(classType: string, info: NodeClassInfo): void {
    this.info[classType] = info;
    this.specCache.delete(classType);
  }

  has(classType: string): boolean {
    return classType in this.info;
  }

  raw(classType: string): NodeClassInfo | undefined {
    const info = this.info[classType];
    return info && this.dynamic.has(classType) ? this.fill(classType, structuredClone(info)) : info;
  }

  all(): ObjectInfo {
    const out: ObjectInfo = {};
    for (const classType of Object.keys(this.info)) out[classType] = this.raw(classType) as NodeClassInfo;
    return out;
  }

  spec(classType: string): NodeClassSpec | undefined {
    if (this.dynamic.has(classType)) {
      const info = this.raw(classType);
      return info && normaliseNodeClass(classType, info);
    }
    let spec = this.specCache.get(classType);
    if (!spec && this.info[classType]) {
      spec = normaliseNodeClass(classType, this.info[classType]);
      this.specCache.set(classType, spec);
    }
    return spec;
  }

  /** Top-level input files of a media type, sorted: what LoadImage/LoadAudio list. */
  inputFiles(kind: 'image' | 'audio'): string[] {
    const allowed = kind === 'image' ? IMAGE_EXT : AUDIO_EXT;
    let names: string[] = [];
    try {
      names = readdirSync(this.inputDir).filter((n) => statSync(join(this.inputDir, n)).isFile());
    } catch {
      return [];
    }
    return names.filter((n) => allowed.has(extname(n).toLowerCase())).sort();
  }

  private fill(classType: string, info: NodeClassInfo): NodeClassInfo {
    const required = info.input.required ?? {};
    const setList = (name: string, values: string[]) => {
      const spec = required[name];
      if (spec) required[name] = spec.length > 1 ? [values, spec[1]] : [values];
    };
    if (classType === 'LoadImage' || classType === 'LoadImageMask') setList('image', this.inputFiles('image'));
    if (classType === 'LoadAudio') setList('audio', this.inputFiles('audio'));
    if (CHECKPOINT_LOADERS.includes(classType)) setList('ckpt_name', this.models.checkpoints);
    if (LORA_LOADERS.includes(classType)) setList('lora_name', this.models.loras);
    return info;
  }
}
