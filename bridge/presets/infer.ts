// Parameters inferred from an exported workflow when no manifest lists them. With MediaLab
// marker nodes present, those define the parameters (name, bounds) and nothing else is
// guessed; otherwise text prompts, seeds, Load Image/Load Audio inputs, sizes, steps, cfg,
// denoise, checkpoint, LoRA name and strength become typed parameters whose defaults are the
// exported values.
import { isLink, type ApiWorkflow, type JsonValue, type ParameterSpec, type ParameterType, type PresetManifest } from '../types.js';
import { defaultOutputNodes, feedsInput, slug, sortedIds, AUDIO_SAVE_CLASSES } from './graph.js';

export const MEDIALAB_INPUT_CLASSES = new Set(['MediaLabText', 'MediaLabNumber', 'MediaLabSeed', 'MediaLabImage']);

const SAMPLERS = new Set(['KSampler', 'KSamplerAdvanced', 'SamplerCustom', 'SamplerCustomAdvanced']);

interface Bounds {
  min?: number;
  max?: number;
  step?: number;
}

const BOUNDS: Record<string, Bounds> = {
  steps: { min: 1, max: 150, step: 1 },
  cfg: { min: 0, max: 30, step: 0.1 },
  denoise: { min: 0, max: 1, step: 0.01 },
  width: { min: 64, max: 4096, step: 8 },
  height: { min: 64, max: 4096, step: 8 },
  batch_size: { min: 1, max: 8, step: 1 },
  duration: { min: 1, max: 600, step: 0.1 },
  blend_factor: { min: 0, max: 1, step: 0.01 },
  scale: { min: 0.1, max: 8, step: 0.01 },
  lora_strength: { min: -5, max: 5, step: 0.01 },
  lyrics_strength: { min: 0, max: 10, step: 0.01 },
  speed: { min: 0.25, max: 4, step: 0.01 },
};

class ParameterList {
  readonly specs: ParameterSpec[] = [];
  private readonly used = new Set<string>();

  claim(base: string): string {
    let name = base;
    for (let i = 2; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  add(base: string, type: ParameterType, value: JsonValue | undefined, targets: ParameterSpec['targets'], extra: Partial<ParameterSpec> = {}): ParameterSpec {
    const name = this.claim(base);
    const spec: ParameterSpec = { name, type, targets, ...extra };
    const boundsKey = BOUNDS[base] ? base : undefined;
    if (boundsKey && (type === 'integer' || type === 'number')) {
      const b = BOUNDS[boundsKey];
      const v = typeof value === 'number' ? value : undefined;
      spec.min = v !== undefined && b.min !== undefined ? Math.min(b.min, v) : b.min;
      spec.max = v !== undefined && b.max !== undefined ? Math.max(b.max, v) : b.max;
      if (b.step !== undefined) spec.step = b.step;
    }
    if (value !== undefined && type !== 'image' && type !== 'audio' && !isLink(value)) spec.default = value;
    this.specs.push(spec);
    return spec;
  }
}

function titled(workflow: ApiWorkflow, id: string, fallback: string, generic: string[]): string {
  const title = workflow[id]._meta?.title;
  if (!title || generic.includes(title)) return fallback;
  return slug(title) || fallback;
}

function literal(workflow: ApiWorkflow, id: string, input: string): JsonValue | undefined {
  const value = workflow[id].inputs[input];
  return value === undefined || isLink(value) ? undefined : value;
}

function inferFromMarkers(workflow: ApiWorkflow, list: ParameterList): void {
  for (const id of sortedIds(workflow)) {
    const node = workflow[id];
    if (!MEDIALAB_INPUT_CLASSES.has(node.class_type)) continue;
    const base = typeof node.inputs.name === 'string' && /^[A-Za-z][A-Za-z0-9_]*$/.test(node.inputs.name) ? node.inputs.name : slug(node.class_type.replace('MediaLab', '')) || 'param';
    const description = typeof node.inputs.description === 'string' && node.inputs.description ? node.inputs.description : undefined;
    const extra: Partial<ParameterSpec> = description ? { description } : {};
    if (node.class_type === 'MediaLabText') list.add(base, 'text', literal(workflow, id, 'value') ?? '', [{ node: id, input: 'value' }], extra);
    if (node.class_type === 'MediaLabSeed') list.add(base, 'seed', literal(workflow, id, 'seed') ?? 0, [{ node: id, input: 'seed' }], { ...extra, randomize: true });
    if (node.class_type === 'MediaLabNumber') {
      const bounds: Partial<ParameterSpec> = { ...extra };
      for (const key of ['min', 'max', 'step'] as const) {
        const v = literal(workflow, id, key);
        if (typeof v === 'number') bounds[key] = v;
      }
      if (bounds.min !== undefined && bounds.max !== undefined && bounds.min >= bounds.max) {
        delete bounds.min;
        delete bounds.max;
      }
      list.add(base, 'number', literal(workflow, id, 'value') ?? 0, [{ node: id, input: 'value' }], bounds);
    }
    if (node.class_type === 'MediaLabImage') {
      const source = node.inputs.image;
      // The marker passes an image through: the job's file goes into the Load Image feeding it.
      const target = isLink(source) && workflow[source[0]]?.class_type === 'LoadImage' ? [{ node: source[0], input: 'image' }] : [];
      list.add(base, 'image', undefined, target, extra);
    }
  }
}

function inferFromCoreNodes(workflow: ApiWorkflow, list: ParameterList): void {
  const hasImageInput = Object.values(workflow).some((n) => n.class_type === 'VAEEncode');
  for (const id of sortedIds(workflow)) {
    const node = workflow[id];
    const value = (input: string) => literal(workflow, id, input);
    const at = (input: string) => [{ node: id, input }];
    switch (node.class_type) {
      case 'CLIPTextEncode':
      case 'CLIPTextEncodeSD3':
      case 'CLIPTextEncodeFlux': {
        const textInput = 'text' in node.inputs ? 'text' : 'clip_l' in node.inputs ? 'clip_l' : null;
        if (!textInput || value(textInput) === undefined) break;
        const feeds = (name: string) => feedsInput(workflow, id, (n, input) => SAMPLERS.has(workflow[n].class_type) && input === name);
        const negative = feeds('negative') && !feeds('positive'); // a zeroed-out positive also reaches "negative"
        list.add(negative ? 'negative_prompt' : 'prompt', 'text', value(textInput), at(textInput));
        break;
      }
      case 'TextEncodeAceStepAudio':
        if (value('tags') !== undefined) list.add('tags', 'text', value('tags'), at('tags'), { description: 'Style tags, comma separated' });
        if (value('lyrics') !== undefined) list.add('lyrics', 'text', value('lyrics'), at('lyrics'));
        if (value('lyrics_strength') !== undefined) list.add('lyrics_strength', 'number', value('lyrics_strength'), at('lyrics_strength'));
        break;
      case 'CheckpointLoaderSimple':
      case 'CheckpointLoader':
        if (value('ckpt_name') !== undefined) list.add('checkpoint', 'string', value('ckpt_name'), at('ckpt_name'), { description: 'Checkpoint file name on the ComfyUI server' });
        break;
      case 'LoraLoader':
      case 'LoraLoaderModelOnly': {
        const modelOnly = node.class_type === 'LoraLoaderModelOnly';
        list.add('lora', 'string', value('lora_name'), at('lora_name'), {
          description: 'LoRA file name on the ComfyUI server; empty skips the LoRA',
          bypassWhenEmpty: [{ node: id, passthrough: modelOnly ? { '0': 'model' } : { '0': 'model', '1': 'clip' } }],
        });
        const same = !modelOnly && value('strength_model') === value('strength_clip');
        list.add('lora_strength', 'number', value('strength_model'), same ? [...at('strength_model'), ...at('strength_clip')] : at('strength_model'));
        if (!modelOnly && !same) list.add('lora_clip_strength', 'number', value('strength_clip'), at('strength_clip'));
        break;
      }
      case 'KSampler':
      case 'KSamplerAdvanced': {
        const seedInput = node.class_type === 'KSampler' ? 'seed' : 'noise_seed';
        if (value(seedInput) !== undefined) list.add('seed', 'seed', value(seedInput), at(seedInput), { randomize: true });
        if (value('steps') !== undefined) list.add('steps', 'integer', value('steps'), at('steps'));
        if (value('cfg') !== undefined) list.add('cfg', 'number', value('cfg'), at('cfg'));
        const denoise = value('denoise');
        if (denoise !== undefined && (hasImageInput || denoise !== 1)) list.add('denoise', 'number', denoise, at('denoise'));
        break;
      }
      case 'EmptyLatentImage':
      case 'EmptySD3LatentImage':
        for (const key of ['width', 'height', 'batch_size']) if (value(key) !== undefined) list.add(key, 'integer', value(key), at(key));
        break;
      case 'EmptyAceStepLatentAudio':
      case 'EmptyLatentAudio':
        if (value('seconds') !== undefined) list.add('duration', 'number', value('seconds'), at('seconds'), { description: 'Length in seconds' });
        break;
      case 'LoadImage':
        list.add(titled(workflow, id, 'image', ['Load Image']), 'image', undefined, at('image'));
        break;
      case 'LoadAudio':
        list.add(titled(workflow, id, 'audio', ['Load Audio', 'LoadAudio']), 'audio', undefined, at('audio'));
        break;
      case 'ImageBlend':
        if (value('blend_factor') !== undefined) list.add('blend_factor', 'number', value('blend_factor'), at('blend_factor'));
        break;
      case 'ImageScaleBy':
        if (value('scale_by') !== undefined) list.add('scale', 'number', value('scale_by'), at('scale_by'));
        break;
      default:
        if (/tts/i.test(node.class_type)) {
          for (const [input, base] of [
            ['speech', 'text'],
            ['text', 'text'],
            ['sample_text', 'reference_text'],
          ] as const) {
            if (typeof value(input) === 'string') list.add(base, 'text', value(input), at(input));
          }
          if (typeof value('seed') === 'number') list.add('seed', 'seed', value('seed'), at('seed'), { randomize: true });
          if (typeof value('speed') === 'number') list.add('speed', 'number', value('speed'), at('speed'));
        }
    }
  }
}

export function inferParameters(workflow: ApiWorkflow): ParameterSpec[] {
  const list = new ParameterList();
  const markers = Object.values(workflow).some((n) => MEDIALAB_INPUT_CLASSES.has(n.class_type));
  if (markers) inferFromMarkers(workflow, list);
  else inferFromCoreNodes(workflow, list);
  return list.specs;
}

/** generate / blend / music / voice from what the workflow does. */
export function inferKind(workflow: ApiWorkflow): PresetManifest['kind'] {
  const classes = Object.values(workflow).map((n) => n.class_type);
  const outputs = defaultOutputNodes(workflow).map((id) => workflow[id].class_type);
  const audioOut =
    outputs.some((c) => AUDIO_SAVE_CLASSES.has(c)) ||
    defaultOutputNodes(workflow).some((id) => workflow[id].class_type === 'MediaLabOutput' && isLink(workflow[id].inputs.audio));
  if (audioOut) return classes.some((c) => /tts|speech|voice/i.test(c)) ? 'voice' : 'music';
  const loads = classes.filter((c) => c === 'LoadImage' || c === 'MediaLabImage').length;
  const sampling = classes.some((c) => SAMPLERS.has(c));
  if (!sampling && loads >= 2 && classes.includes('ImageBlend')) return 'blend';
  return 'generate';
}
