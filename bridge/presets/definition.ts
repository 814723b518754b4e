// Builds a preset version's definition from an exported workflow and an optional manifest
// (parameters inferred where not given), checks it, and hashes it.
import { MediaLabError } from '../../contract/errors.js';
import type { ApiWorkflow, ParameterSpec, PresetDefinition, PresetManifest } from '../types.js';
import { defaultOutputNodes } from './graph.js';
import { presetHash } from './hash.js';
import { inferKind, inferParameters } from './infer.js';
import { manifestSchema } from './manifest.js';
import { checkApiWorkflow, checkDefinition, type Issue } from './validate.js';

export interface PresetInput {
  name: unknown;
  workflow: unknown;
  kind?: unknown;
  description?: unknown;
  order?: unknown;
  parameters?: unknown;
  derived?: unknown;
  outputs?: unknown;
  requires?: unknown;
  timeout?: unknown;
}

/** A preset that cannot be used: every issue names its field. */
export class PresetInvalidError extends MediaLabError {
  constructor(
    readonly issues: Issue[],
    readonly source?: string,
  ) {
    super('PRESET_INVALID', `${source ? `${source}: ` : ''}${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
  }
}

export interface BuiltPreset {
  definition: PresetDefinition;
  hash: string;
  /** True when the parameters were inferred from the workflow. */
  inferred: boolean;
}

/** A manifest's schema issues with their fields named; a map of parameters by name, a list by position. */
export function manifestIssues(issues: Array<{ path: PropertyKey[]; message: string }>, parameters: unknown): Issue[] {
  const names = parameters && typeof parameters === 'object' && !Array.isArray(parameters) ? Object.keys(parameters) : null;
  const field = (path: PropertyKey[]) =>
    path.map((part, i) => (i === 1 && path[0] === 'parameters' && typeof part === 'number' && names ? names[part] : String(part))).join('.') || 'manifest';
  return issues.map((issue) => ({ field: field(issue.path), message: issue.message }));
}

export function buildPresetDefinition(input: PresetInput, source?: string): BuiltPreset {
  const { workflow, issues: shapeIssues } = checkApiWorkflow(input.workflow);
  if (!workflow) throw new PresetInvalidError(shapeIssues, source);

  const parsed = manifestSchema.safeParse({
    name: input.name,
    kind: input.kind ?? inferKind(workflow),
    description: input.description ?? undefined,
    order: input.order ?? undefined,
    parameters: input.parameters ?? undefined,
    derived: input.derived ?? undefined,
    outputs: input.outputs ?? undefined,
    requires: input.requires ?? undefined,
    timeout: input.timeout,
  });
  if (!parsed.success) throw new PresetInvalidError(manifestIssues(parsed.error.issues, input.parameters), source);
  const inferred = parsed.data.parameters === undefined;
  const parameters: ParameterSpec[] = parsed.data.parameters ?? inferParameters(workflow);
  const manifest: PresetManifest = {
    name: parsed.data.name,
    kind: parsed.data.kind,
    description: parsed.data.description,
    ...(parsed.data.order !== undefined ? { order: parsed.data.order } : {}),
    parameters,
    derived: parsed.data.derived,
    outputs: parsed.data.outputs.length ? parsed.data.outputs : defaultOutputNodes(workflow),
    requires: parsed.data.requires,
    // Only when the manifest sets one: a preset without it keeps the hash it always had.
    ...(parsed.data.timeout !== undefined ? { timeout: parsed.data.timeout } : {}),
  };
  const definition: PresetDefinition = { manifest, workflow: workflow as ApiWorkflow };
  const issues = checkDefinition(definition);
  if (issues.length) throw new PresetInvalidError(issues, source);
  return { definition, hash: presetHash(definition), inferred };
}
