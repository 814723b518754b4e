// Job parameters against a preset's parameter specs: types, bounds, options, defaults, random
// seeds; issues name the field (`params.seed`) so the API can answer 422.
import { randomInt } from 'node:crypto';
import { SEED_MAX, seedProblem } from '../../contract/seeds.js';
import type { JsonObject, JsonValue, ParameterSpec } from '../types.js';

export interface ParamIssue {
  field: string;
  message: string;
}

/** The largest seed (2^53-1): every integer a JSON number holds exactly, inside ComfyUI's 0 to 2^64-1. */
export const SEED_LIMIT = SEED_MAX;

export function isEmptyValue(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/** A parameter without a default, random seed or bypass has to be given. */
export function isRequired(spec: ParameterSpec): boolean {
  if (spec.required !== undefined) return spec.required;
  return spec.default === undefined && !spec.randomize && !spec.bypassWhenEmpty;
}

function checkValue(spec: ParameterSpec, value: JsonValue): string | null {
  switch (spec.type) {
    case 'text':
    case 'string':
      return typeof value === 'string' ? null : 'must be a string';
    case 'image':
    case 'audio':
      return typeof value === 'string' && value.trim() !== '' ? null : `must be the id of an ${spec.type} artifact`;
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'enum':
      return typeof value === 'string' && spec.options?.includes(value) ? null : `must be one of: ${(spec.options ?? []).join(', ')}`;
    case 'integer':
    case 'seed':
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number';
      if (spec.type !== 'number' && !Number.isInteger(value)) return 'must be a whole number';
      if (spec.type === 'seed') {
        const problem = seedProblem(value);
        if (problem) return problem;
      }
      if (spec.min !== undefined && value < spec.min) return `must be at least ${spec.min}`;
      if (spec.max !== undefined && value > spec.max) return `must be at most ${spec.max}`;
      return null;
    }
  }
}

/** Validates and completes `params`; unknown names are errors (a typo must not silently do nothing). */
export function resolveParams(specs: ParameterSpec[], input: Record<string, unknown>, prefix = 'params'): { params: JsonObject; issues: ParamIssue[] } {
  const issues: ParamIssue[] = [];
  const params: JsonObject = {};
  const known = new Set(specs.map((s) => s.name));
  for (const name of Object.keys(input)) {
    if (!known.has(name)) issues.push({ field: `${prefix}.${name}`, message: `unknown parameter; this preset takes: ${[...known].join(', ') || 'none'}` });
  }
  for (const spec of specs) {
    const given = input[spec.name];
    if (isEmptyValue(given)) {
      if (spec.type === 'seed' && spec.randomize) params[spec.name] = randomInt(0, 2 ** 32);
      else if (spec.default !== undefined && spec.default !== null) params[spec.name] = spec.default;
      else if (isRequired(spec)) issues.push({ field: `${prefix}.${spec.name}`, message: `is required (${spec.type})` });
      else params[spec.name] = null;
      continue;
    }
    const problem = checkValue(spec, given as JsonValue);
    if (problem) issues.push({ field: `${prefix}.${spec.name}`, message: problem });
    else params[spec.name] = given as JsonValue;
  }
  return { params, issues };
}

/** What GET /presets shows of a parameter. */
export function describeParameter(spec: ParameterSpec): JsonObject {
  const out: JsonObject = { name: spec.name, type: spec.type, required: isRequired(spec) };
  if (spec.description) out.description = spec.description;
  if (spec.default !== undefined) out.default = spec.default;
  if (spec.min !== undefined) out.min = spec.min;
  if (spec.max !== undefined) out.max = spec.max;
  if (spec.step !== undefined) out.step = spec.step;
  if (spec.options) out.options = spec.options;
  if (spec.randomize) out.randomize = true;
  if (spec.option) out.option = spec.option;
  if (spec.bypassWhenEmpty?.length) out.skippedWhenEmpty = true;
  return out;
}

/** A JSON Schema of the parameters (the `parameters` column). */
export function parametersJsonSchema(specs: ParameterSpec[]): JsonObject {
  const properties: JsonObject = {};
  for (const spec of specs) {
    const prop: JsonObject = {};
    if (spec.type === 'integer' || spec.type === 'seed') prop.type = 'integer';
    else if (spec.type === 'number') prop.type = 'number';
    else if (spec.type === 'boolean') prop.type = 'boolean';
    else prop.type = 'string';
    if (spec.type === 'image' || spec.type === 'audio') {
      prop.format = 'artifact-id';
      prop['x-media-kind'] = spec.type;
    }
    if (spec.type === 'text') prop['x-multiline'] = true;
    if (spec.type === 'seed') {
      prop.minimum = 0;
      prop.maximum = SEED_LIMIT;
    }
    if (spec.options) prop.enum = spec.options;
    if (spec.min !== undefined) prop.minimum = spec.min;
    if (spec.max !== undefined) prop.maximum = spec.max;
    if (spec.step !== undefined) prop.multipleOf = spec.step;
    if (spec.default !== undefined) prop.default = spec.default;
    if (spec.description) prop.description = spec.description;
    if (!isRequired(spec) && spec.default === undefined) prop.type = [prop.type as string, 'null'];
    properties[spec.name] = prop;
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    additionalProperties: false,
    properties,
    required: specs.filter(isRequired).map((s) => s.name),
  };
}
