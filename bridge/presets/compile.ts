// Preset + job parameters -> the API-format prompt submitted to ComfyUI:
//   1. parameter values into their target inputs (uploaded file names for image/audio),
//   2. derived inputs computed from parameters,
//   3. empty optional parameters bypass their nodes,
//   4. MediaLab marker nodes rewritten to core nodes (a server needs no custom package),
//   5. output nodes write into the job's own folder,
//   6. nodes no output depends on are dropped.
import type { ApiWorkflow, JsonObject, JsonValue, NodeLink, PresetDefinition } from '../types.js';
import { isLink } from '../types.js';
import { compileExpression } from './expression.js';
import { AUDIO_SAVE_CLASSES, consumersOf, PREVIEW_CLASSES, reachableFrom } from './graph.js';
import { isEmptyValue } from './params.js';

export interface CompileInput {
  definition: PresetDefinition;
  /** Validated and defaulted (resolveParams). */
  params: JsonObject;
  /** Image/audio parameter -> the file name the server knows it by (the upload's answer). */
  files?: Record<string, string>;
  /** `medialab/<job id>`: every output node writes below it. */
  outputFolder: string;
}

export interface CompiledPrompt {
  prompt: ApiWorkflow;
  outputNodes: string[];
  /** Model files the prompt loads (checkpoints, LoRAs, TTS models). */
  models: string[];
  /** The same files with the loader node that reads each (for lineage: checkpoint, lora, vae...). */
  modelLoaders: ModelLoader[];
  /** (node, input) -> the parameter that set it, for error messages. */
  parameterAt(node: string, input: string): string | undefined;
}

export interface ModelLoader {
  name: string;
  node: string;
  classType: string;
  input: string;
}

export class PresetCompileError extends Error {}

const MODEL_FILE = /\.(safetensors|ckpt|pt|pth|bin|gguf|onnx|sft)$/i;

function link(value: JsonValue | undefined): NodeLink | null {
  return isLink(value) ? value : null;
}

/** Replaces every link to `[source, slot]` with `replacement(slot)`. */
function relink(prompt: ApiWorkflow, source: string, replacement: (slot: number) => JsonValue | undefined): Array<{ node: string; input: string }> {
  const consumers = consumersOf(prompt, source);
  for (const consumer of consumers) {
    const value = replacement(consumer.link[1]);
    if (value === undefined) throw new PresetCompileError(`node ${consumer.node} reads output ${consumer.link[1]} of node ${source}, which has nothing to pass through`);
    prompt[consumer.node].inputs[consumer.input] = value;
  }
  return consumers;
}

/** "node/input" -> the parameter that set it. */
type Origins = Map<string, string>;

const originKey = (node: string, input: string) => `${node}/${input}`;

/** Bypass rules of the empty optional parameters: node -> (output slot -> input passed through). */
type Bypassed = Map<string, Record<string, string>>;

/** 1. Parameter values into their target inputs (image/audio: the uploaded file's name). */
function applyParameters(prompt: ApiWorkflow, input: CompileInput, origins: Origins): Bypassed {
  const files = input.files ?? {};
  const bypassed: Bypassed = new Map();
  for (const spec of input.definition.manifest.parameters) {
    const value = input.params[spec.name];
    if (isEmptyValue(value)) {
      for (const rule of spec.bypassWhenEmpty ?? []) bypassed.set(rule.node, rule.passthrough);
      continue;
    }
    const resolved: JsonValue = spec.type === 'image' || spec.type === 'audio' ? (files[spec.name] ?? null) : (value as JsonValue);
    if (resolved === null) throw new PresetCompileError(`no uploaded file for ${spec.type} parameter "${spec.name}"`);
    for (const target of spec.targets) {
      const node = prompt[target.node];
      if (!node) throw new PresetCompileError(`parameter "${spec.name}" targets node ${target.node}, which is not in the workflow`);
      node.inputs[target.input] = resolved;
      origins.set(originKey(target.node, target.input), spec.name);
    }
  }
  return bypassed;
}

/** 2. Derived inputs computed from the parameters (skipped on bypassed nodes). */
function applyDerived(prompt: ApiWorkflow, input: CompileInput, bypassed: Bypassed): void {
  const { manifest } = input.definition;
  const names = new Set(manifest.parameters.map((p) => p.name));
  for (const derived of manifest.derived) {
    const node = prompt[derived.node];
    if (!node || bypassed.has(derived.node)) continue;
    const evaluate = compileExpression(derived.expression, names);
    let result = evaluate({
      value: (name) => {
        const v = input.params[name];
        return typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : 0;
      },
      has: (name) => !isEmptyValue(input.params[name]),
    });
    if (derived.round === 'integer') result = Math.round(result);
    node.inputs[derived.input] = Number.isFinite(result) ? result : 0;
  }
}

/** 3. Bypass: consumers read the passed-through input instead (a chain of bypassed nodes resolves through each). */
function bypassNodes(prompt: ApiWorkflow, bypassed: Bypassed): void {
  for (const [nodeId, passthrough] of bypassed) {
    const node = prompt[nodeId];
    if (!node) continue;
    relink(prompt, nodeId, (slot) => node.inputs[passthrough[String(slot)]]);
    delete prompt[nodeId];
  }
}

/** A MediaLab Output node becomes SaveImage and/or SaveAudio (`<id>_audio` when it has both). */
function rewriteOutputMarker(prompt: ApiWorkflow, id: string): void {
  const node = prompt[id];
  const images = link(node.inputs.images);
  const audio = link(node.inputs.audio);
  if (images) prompt[id] = { class_type: 'SaveImage', inputs: { images, filename_prefix: 'ComfyUI' }, _meta: node._meta };
  if (audio) {
    const audioId = images ? `${id}_audio` : id;
    prompt[audioId] = { class_type: 'SaveAudio', inputs: { audio, filename_prefix: 'audio/ComfyUI' }, _meta: node._meta };
  }
  if (!images && !audio) throw new PresetCompileError(`MediaLab Output node ${id} has neither images nor audio connected`);
}

/** 4. MediaLab markers -> core nodes, so a server needs no custom package (errors about the consumer still name the parameter). */
function rewriteMarkers(prompt: ApiWorkflow, origins: Origins): void {
  const inline = (id: string, from: string, replacement: (slot: number) => JsonValue | undefined) => {
    const param = origins.get(originKey(id, from));
    for (const consumer of relink(prompt, id, replacement)) if (param) origins.set(originKey(consumer.node, consumer.input), param);
    delete prompt[id];
  };
  for (const [id, node] of Object.entries(prompt)) {
    const v = node.inputs;
    switch (node.class_type) {
      case 'MediaLabText':
        inline(id, 'value', () => (typeof v.value === 'string' ? v.value : String(v.value ?? '')));
        break;
      case 'MediaLabNumber':
        inline(id, 'value', (slot) => (slot === 1 ? Math.round(Number(v.value)) : Number(v.value)));
        break;
      case 'MediaLabSeed':
        inline(id, 'seed', () => Number(v.seed));
        break;
      case 'MediaLabImage':
        inline(id, 'image', () => v.image);
        break;
      case 'MediaLabOutput':
        rewriteOutputMarker(prompt, id);
        break;
    }
  }
  for (const [id, node] of Object.entries(prompt)) {
    if (node.class_type.startsWith('MediaLab')) throw new PresetCompileError(`node ${id} (${node.class_type}) is not a known MediaLab marker`);
  }
}

/** 5. The declared outputs write into the job's folder (a preview marked as output becomes a real save). */
function routeOutputs(prompt: ApiWorkflow, declaredOutputs: string[], outputFolder: string): string[] {
  const declared = declaredOutputs.flatMap((id) => (prompt[`${id}_audio`] ? [id, `${id}_audio`] : [id]));
  const outputNodes = declared.filter((id) => prompt[id]);
  if (outputNodes.length === 0) throw new PresetCompileError('the workflow has no output node left (SaveImage, SaveAudio or MediaLab Output)');
  for (const id of outputNodes) {
    const node = prompt[id];
    if (PREVIEW_CLASSES.has(node.class_type)) {
      const audio = AUDIO_SAVE_CLASSES.has(node.class_type);
      node.class_type = audio ? 'SaveAudio' : 'SaveImage';
    }
    node.inputs.filename_prefix = `${outputFolder}/out${id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  }
  return outputNodes;
}

/** 6. Drops the nodes no output depends on; every link left must point at a node still there. */
function dropUnreachable(prompt: ApiWorkflow, outputNodes: string[]): void {
  const keep = reachableFrom(prompt, outputNodes);
  for (const id of Object.keys(prompt)) if (!keep.has(id)) delete prompt[id];
  for (const [id, node] of Object.entries(prompt)) {
    for (const [name, value] of Object.entries(node.inputs)) {
      if (isLink(value) && !prompt[value[0]]) throw new PresetCompileError(`node ${id} input "${name}" links to node ${value[0]}, which is not in the prompt`);
    }
  }
}

/** Model files the prompt loads: file names with a model extension, and TTS nodes' `model`. */
function modelLoadersOf(prompt: ApiWorkflow): ModelLoader[] {
  const loaders: ModelLoader[] = [];
  for (const [id, node] of Object.entries(prompt)) {
    for (const [name, value] of Object.entries(node.inputs)) {
      if (typeof value === 'string' && (MODEL_FILE.test(value) || (name === 'model' && /tts/i.test(node.class_type)))) {
        loaders.push({ name: value, node: id, classType: node.class_type, input: name });
      }
    }
  }
  return loaders;
}

export function compilePrompt(input: CompileInput): CompiledPrompt {
  const prompt = structuredClone(input.definition.workflow);
  const origins: Origins = new Map();
  const bypassed = applyParameters(prompt, input, origins);
  applyDerived(prompt, input, bypassed);
  bypassNodes(prompt, bypassed);
  rewriteMarkers(prompt, origins);
  const outputNodes = routeOutputs(prompt, input.definition.manifest.outputs, input.outputFolder);
  dropUnreachable(prompt, outputNodes);
  const loaders = modelLoadersOf(prompt);
  return {
    prompt,
    outputNodes,
    models: [...new Set(loaders.map((l) => l.name))],
    modelLoaders: loaders,
    parameterAt: (node, inputName) => origins.get(originKey(node, inputName)),
  };
}
