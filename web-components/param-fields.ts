// Turns parameter schemas (a kind's JSON Schema, or a ComfyUI preset's parameter list) into form
// field descriptions, and form text back into typed values. Pure functions: no DOM.
import type { JsonValue } from '../contract/json.js';
import type { InputRule, JsonSchema } from '../contract/kinds.js';
import type { MediaKind } from '../contract/media.js';
import type { PresetInfo, PresetParameter } from '../contract/presets.js';
import { SEED_MAX } from '../contract/seeds.js';
import { capitalise, labelFromName } from './format.js';

export type FieldControl = 'number' | 'text' | 'textarea' | 'select' | 'checkbox' | 'number-list' | 'file';

export interface FieldOption {
  value: JsonValue;
  label: string;
}

export interface FieldSpec {
  name: string;
  label: string;
  help?: string;
  control: FieldControl;
  required: boolean;
  default?: JsonValue;
  integer?: boolean;
  min?: number;
  max?: number;
  /** Values must be strictly above / below these (JSON Schema exclusive bounds). */
  above?: number;
  below?: number;
  step?: number;
  maxLength?: number;
  maxItems?: number;
  options?: FieldOption[];
  /** For a select with nothing to choose yet: the text of its empty option. */
  placeholder?: string;
  /** A select's empty choice (default "(server default)"); "(none)" where empty skips nodes (a LoRA). */
  emptyLabel?: string;
  /** For file fields: which media the upload takes, and whether several files are allowed. */
  accept?: MediaKind[];
  multiple?: boolean;
}

const LONG_TEXT = /prompt|text|description|lyrics|caption/i;

// --- from a kind's JSON Schema ------------------------------------------------------------------

export function fieldsFromJsonSchema(schema: JsonSchema | null | undefined): FieldSpec[] {
  const properties = schema?.properties ?? {};
  const required = new Set(schema?.required ?? []);
  return Object.entries(properties).map(([name, property]) => fieldFromSchema(name, property, required.has(name)));
}

function fieldFromSchema(name: string, schema: JsonSchema, required: boolean): FieldSpec {
  const base = {
    name,
    label: schema.title ?? labelFromName(name),
    help: schema.description,
    required,
    default: schema.default,
  };
  const choices = choicesOf(schema);
  if (choices) return { ...base, control: 'select', options: choices.map((value) => ({ value, label: String(value) })) };
  const type = typeOf(schema);
  if (type === 'integer' || type === 'number') {
    return {
      ...base,
      control: 'number',
      integer: type === 'integer',
      min: schema.minimum,
      max: schema.maximum !== undefined && schema.maximum < Number.MAX_SAFE_INTEGER ? schema.maximum : undefined,
      above: schema.exclusiveMinimum,
      below: schema.exclusiveMaximum,
      step: schema.multipleOf ?? (type === 'integer' ? 1 : undefined),
    };
  }
  if (type === 'boolean') return { ...base, control: 'checkbox' };
  if (type === 'array' && schema.items && ['number', 'integer'].includes(typeOf(schema.items) ?? '')) {
    return { ...base, control: 'number-list', min: schema.items.minimum, max: schema.items.maximum, maxItems: schema.maxItems, integer: typeOf(schema.items) === 'integer' };
  }
  const long = LONG_TEXT.test(name) || (schema.maxLength ?? 0) > 300;
  return { ...base, control: long ? 'textarea' : 'text', maxLength: schema.maxLength };
}

function typeOf(schema: JsonSchema): string | undefined {
  if (Array.isArray(schema.type)) return schema.type.find((t) => t !== 'null');
  if (schema.type) return schema.type;
  const variant = schema.anyOf?.find((s) => s.type && s.type !== 'null');
  return variant ? typeOf(variant) : undefined;
}

/** enum: [...] or anyOf: [{const}, ...] (how zod writes unions of literals). */
function choicesOf(schema: JsonSchema): JsonValue[] | null {
  if (schema.enum?.length) return schema.enum;
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants?.length && variants.every((v) => v.const !== undefined)) return variants.map((v) => v.const as JsonValue);
  return null;
}

// --- from a ComfyUI preset ----------------------------------------------------------------------

export function fieldsFromPreset(preset: Pick<PresetInfo, 'parameters'>): FieldSpec[] {
  return preset.parameters.map(fieldFromPresetParameter);
}

const MEDIA_TYPES: Record<string, { accept: MediaKind; multiple: boolean }> = {
  image: { accept: 'image', multiple: false },
  images: { accept: 'image', multiple: true },
  video: { accept: 'video', multiple: false },
  audio: { accept: 'audio', multiple: false },
};

export function fieldFromPresetParameter(parameter: PresetParameter): FieldSpec {
  const type = parameter.type.toLowerCase();
  const base = {
    name: parameter.name,
    label: labelFromName(parameter.name),
    help: parameter.randomize ? [parameter.description, 'Leave empty for a random seed.'].filter(Boolean).join(' ') : parameter.description,
    required: parameter.required,
    default: parameter.default,
  };
  const choices = parameter.options;
  if (choices?.length || ['enum', 'choice', 'select', 'combo'].includes(type)) {
    // A string with options: a model list from the backend (LoRA names, checkpoints).
    const emptyLabel = parameter.skippedWhenEmpty ? '(none)' : undefined;
    return { ...base, control: 'select', options: (choices ?? []).map((value) => ({ value, label: String(value) })), ...(emptyLabel ? { emptyLabel } : {}) };
  }
  const media = MEDIA_TYPES[type];
  if (media) return { ...base, control: 'file', accept: [media.accept], multiple: media.multiple };
  if (type === 'seed') {
    // The server's seed range (contract/seeds.ts): 0 to 2^53-1, narrowed by the preset's own bounds.
    return { ...base, control: 'number', integer: true, min: Math.max(parameter.min ?? 0, 0), max: Math.min(parameter.max ?? SEED_MAX, SEED_MAX), step: parameter.step ?? 1 };
  }
  if (['int', 'integer'].includes(type)) {
    return { ...base, control: 'number', integer: true, min: parameter.min, max: parameter.max, step: parameter.step ?? 1 };
  }
  if (['float', 'number', 'double'].includes(type)) return { ...base, control: 'number', min: parameter.min, max: parameter.max, step: parameter.step };
  if (['bool', 'boolean'].includes(type)) return { ...base, control: 'checkbox' };
  const long = type === 'text' || type === 'prompt' || LONG_TEXT.test(parameter.name);
  return { ...base, control: long ? 'textarea' : 'text' };
}

// --- uploads a kind takes -----------------------------------------------------------------------

/** `sourceImage`, `sourceVideo`, `sourceAudio`: one upload field per media kind the workflow takes. */
export function uploadFields(rule: InputRule | null | undefined): FieldSpec[] {
  if (!rule || rule.max === 0) return [];
  return rule.kinds.map((kind) => ({
    name: uploadFieldName(kind),
    label: `Source ${kind}${rule.max > 1 ? 's' : ''}`,
    help: rule.min > 0 ? `Required: ${rule.min === rule.max ? rule.min : `${rule.min} to ${rule.max}`} ${kind} file${rule.max > 1 ? 's' : ''}.` : `Optional, up to ${rule.max}.`,
    control: 'file' as const,
    required: rule.min > 0 && rule.kinds.length === 1,
    accept: [kind],
    multiple: rule.max > 1,
  }));
}

export function uploadFieldName(kind: MediaKind): string {
  return `source${capitalise(kind)}`;
}

export const ACCEPT_BY_KIND: Record<MediaKind, string> = {
  image: 'image/*',
  video: 'video/*',
  audio: 'audio/*',
};

// --- reading values back ------------------------------------------------------------------------

export type ParsedValue = { ok: true; value: JsonValue | undefined } | { ok: false; message: string };

/** Parses a text control's value; `undefined` means "leave it out" (the server applies the default). */
export function parseFieldValue(spec: FieldSpec, raw: string | boolean): ParsedValue {
  if (spec.control === 'checkbox') return { ok: true, value: Boolean(raw) };
  const text = String(raw).trim();
  if (text === '') return spec.required ? { ok: false, message: 'Required.' } : { ok: true, value: undefined };
  switch (spec.control) {
    case 'number':
      return parseNumber(spec, text);
    case 'number-list': {
      const parts = text.split(/[\s,;]+/).filter(Boolean);
      if (spec.maxItems !== undefined && parts.length > spec.maxItems) return { ok: false, message: `At most ${spec.maxItems} values.` };
      const values: number[] = [];
      for (const part of parts) {
        const parsed = parseNumber(spec, part);
        if (!parsed.ok) return parsed;
        values.push(parsed.value as number);
      }
      return { ok: true, value: values };
    }
    case 'select': {
      const option = spec.options?.find((o) => String(o.value) === text);
      return { ok: true, value: option ? option.value : text };
    }
    default:
      if (spec.maxLength !== undefined && text.length > spec.maxLength) return { ok: false, message: `At most ${spec.maxLength} characters.` };
      return { ok: true, value: text };
  }
}

function parseNumber(spec: FieldSpec, text: string): ParsedValue {
  const value = Number(text);
  if (!Number.isFinite(value)) return { ok: false, message: 'Enter a number.' };
  if (spec.integer && !Number.isInteger(value)) return { ok: false, message: 'Enter a whole number.' };
  if (spec.min !== undefined && value < spec.min) return { ok: false, message: `Must be at least ${spec.min}.` };
  if (spec.max !== undefined && value > spec.max) return { ok: false, message: `Must be at most ${spec.max}.` };
  if (spec.above !== undefined && value <= spec.above) return { ok: false, message: `Must be greater than ${spec.above}.` };
  if (spec.below !== undefined && value >= spec.below) return { ok: false, message: `Must be less than ${spec.below}.` };
  return { ok: true, value };
}

/** The text a control shows for a value (defaults included). */
export function displayValue(value: JsonValue | undefined): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Which form field a server issue names: `params.targetFps` -> `targetFps`, `inputs[0]` -> `inputs`. */
export function fieldOfIssue(path: string): string {
  const trimmed = path.replace(/^params\./, '');
  if (/^inputs(\[|$|\.)/.test(trimmed)) return 'inputs';
  return trimmed.split(/[.[]/)[0] || trimmed;
}
