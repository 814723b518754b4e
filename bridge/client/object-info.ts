// Normalises /object_info input specs. Two formats coexist on one server:
//   V1: `["INT", {min, max}]`, a combo as a bare list `[["a","b"]]` or `[["a"], {image_upload}]`
//   V3: `["COMBO", {options: [...], multiselect}]`, `["IMAGE", {}]`
import type { InputSpec, JsonObject, JsonValue, NodeClassInfo, NodeClassSpec, ObjectInfo, RawInputSpec } from '../types.js';

const VALUE_TYPES = new Set(['INT', 'FLOAT', 'STRING', 'BOOLEAN', 'COMBO']);

function num(value: JsonValue | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function normaliseInputSpec(name: string, raw: RawInputSpec, required: boolean): InputSpec {
  const [head, optionsRaw] = raw;
  const options: JsonObject = optionsRaw && typeof optionsRaw === 'object' && !Array.isArray(optionsRaw) ? optionsRaw : {};
  const spec: InputSpec = { name, required, type: 'COMBO', isLinkType: false };
  if (Array.isArray(head)) {
    spec.options = head; // V1 combo: the list itself
  } else if (head === 'COMBO') {
    spec.options = Array.isArray(options.options) ? options.options : []; // V3 combo
  } else {
    spec.type = head;
    spec.isLinkType = !VALUE_TYPES.has(head);
  }
  if ('default' in options) spec.default = options.default;
  const min = num(options.min);
  const max = num(options.max);
  const step = num(options.step);
  if (min !== undefined) spec.min = min;
  if (max !== undefined) spec.max = max;
  if (step !== undefined) spec.step = step;
  if (options.multiline === true) spec.multiline = true;
  if (options.image_upload === true) spec.upload = 'image';
  if (options.audio_upload === true) spec.upload = 'audio';
  if (typeof options.tooltip === 'string') spec.tooltip = options.tooltip;
  return spec;
}

export function normaliseNodeClass(classType: string, info: NodeClassInfo): NodeClassSpec {
  const inputs: InputSpec[] = [];
  for (const [section, required] of [
    ['required', true],
    ['optional', false],
  ] as const) {
    const group = info.input?.[section] ?? {};
    for (const [name, raw] of Object.entries(group)) inputs.push(normaliseInputSpec(name, raw, required));
  }
  return {
    classType,
    inputs,
    outputs: info.output ?? [],
    outputNode: info.output_node === true,
    displayName: info.display_name ?? classType,
  };
}

/** A parsed /object_info answer with lookups by class. */
export class NodeCatalog {
  private readonly specs = new Map<string, NodeClassSpec>();
  constructor(readonly raw: ObjectInfo) {
    for (const [classType, info] of Object.entries(raw)) this.specs.set(classType, normaliseNodeClass(classType, info));
  }
  has(classType: string): boolean {
    return this.specs.has(classType);
  }
  get(classType: string): NodeClassSpec | undefined {
    return this.specs.get(classType);
  }
  input(classType: string, inputName: string): InputSpec | undefined {
    return this.specs.get(classType)?.inputs.find((i) => i.name === inputName);
  }
  get size(): number {
    return this.specs.size;
  }
}
