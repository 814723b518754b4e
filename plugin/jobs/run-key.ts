// A run's identity for reuse: sha256 of the workflow, the preset version's content hash, the
// resolved params (a random seed is drawn at submit, so only a fixed seed ever matches) and the
// sha256 of every input, in order. Artifact ids in params are replaced by their file's sha256, so
// the same bytes uploaded or made twice give the same key.
import { createHash } from 'node:crypto';
import { canonicalJson } from './fingerprint.js';
import type { Artifact, JsonObject, JsonValue } from '../core/types.js';

export interface RunIdentity {
  workflow: string;
  presetHash: string | null;
  params: JsonObject;
  inputIds: string[];
  /** The input artifacts (at least those of inputIds). */
  inputs: Pick<Artifact, 'id' | 'sha256'>[];
}

export function runKeyOf(run: RunIdentity): string {
  const sha = new Map(run.inputs.map((a) => [a.id, a.sha256]));
  const bySha = (value: JsonValue): JsonValue => {
    if (typeof value === 'string' && sha.has(value)) return `sha256:${sha.get(value)}`;
    if (Array.isArray(value)) return value.map(bySha);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, bySha(v)]));
    return value;
  };
  const content = {
    workflow: run.workflow,
    preset: run.presetHash,
    params: bySha(run.params),
    inputs: run.inputIds.map((id) => `sha256:${sha.get(id) ?? id}`),
  };
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}
