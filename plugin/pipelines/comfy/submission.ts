// POST /jobs for comfy kinds: `{ workflow, preset: { name, version? }, params }` -> the preset
// version the job is pinned to, validated and defaulted params (random seeds drawn now, so the
// job records them), and the artifact ids that become the job's inputs.
import { isEmptyValue, resolveParams } from '../../../bridge/presets/params.js';
import { ValidationError, type FieldIssue } from '../../core/errors.js';
import type { Job, JsonObject } from '../../core/types.js';
import type { PresetVersion } from '../../../bridge/types.js';
import type { PresetRegistry } from './preset-registry.js';

import { COMFY_KINDS, isComfyKind } from '../../../contract/jobs.js';
export { COMFY_KINDS, isComfyKind, type ComfyKind } from '../../../contract/jobs.js';

export interface ResolvedSubmission {
  preset: { name: string; version: number; hash: string };
  params: JsonObject;
  inputIds: string[];
}

export async function resolveComfySubmission(registry: PresetRegistry, kind: unknown, presetRef: unknown, params: unknown): Promise<ResolvedSubmission> {
  if (!isComfyKind(kind)) throw new ValidationError([{ field: 'workflow', message: `must be one of ${COMFY_KINDS.join(', ')} for a ComfyUI preset` }]);
  const issues: FieldIssue[] = [];
  let name: string | null = null;
  let version: number | null = null;
  if (presetRef !== undefined && presetRef !== null) {
    if (typeof presetRef !== 'object' || Array.isArray(presetRef)) {
      throw new ValidationError([{ field: 'preset', message: 'must be an object { name, version? }' }]);
    }
    const ref = presetRef as { name?: unknown; version?: unknown };
    if (typeof ref.name !== 'string' || ref.name.trim() === '') issues.push({ field: 'preset.name', message: 'must be a preset name' });
    else name = ref.name;
    if (ref.version !== undefined && ref.version !== null) {
      if (typeof ref.version !== 'number' || !Number.isInteger(ref.version) || ref.version < 1) issues.push({ field: 'preset.version', message: 'must be a whole number from 1' });
      else version = ref.version;
    }
  }
  if (params !== undefined && params !== null && (typeof params !== 'object' || Array.isArray(params))) {
    issues.push({ field: 'params', message: 'must be an object of parameter values' });
  }
  if (issues.length) throw new ValidationError(issues);

  const preset = name === null ? await registry.defaultFor(kind) : await registry.get(name, version);
  if (!preset) {
    if (name === null) throw new ValidationError([{ field: 'preset.name', message: `there is no ${kind} preset; name one` }]);
    const versions = version !== null ? await registry.versions(name) : [];
    if (versions.length) {
      throw new ValidationError([{ field: 'preset.version', message: `preset "${name}" has versions ${versions.map((v) => v.version).join(', ')}` }]);
    }
    throw new ValidationError([{ field: 'preset.name', message: `there is no preset "${name}"` }]);
  }
  if (preset.kind !== kind) {
    throw new ValidationError([{ field: 'preset.name', message: `preset "${preset.name}" is a ${preset.kind} preset, not ${kind}` }]);
  }

  const { manifest } = preset.definition;
  const resolved = resolveParams(manifest.parameters, (params ?? {}) as Record<string, unknown>);
  if (resolved.issues.length) throw new ValidationError(resolved.issues);
  const inputIds: string[] = [];
  for (const spec of manifest.parameters) {
    const value = resolved.params[spec.name];
    if ((spec.type === 'image' || spec.type === 'audio') && !isEmptyValue(value) && !inputIds.includes(String(value))) inputIds.push(String(value));
  }
  return { preset: { name: preset.name, version: preset.version, hash: preset.hash }, params: resolved.params, inputIds };
}

/** The preset version a job is pinned to (its kind's default when it names none); null when its kind has none. */
export async function presetOfJob(registry: PresetRegistry, job: Job): Promise<PresetVersion | null> {
  if (job.preset) return registry.require(job.preset);
  return isComfyKind(job.workflow) ? registry.defaultFor(job.workflow) : null;
}
